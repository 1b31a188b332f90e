"""DatingBadge: the gestational age and due date in the header while a pregnancy is ongoing, nothing else."""

from __future__ import annotations

from typing import ClassVar

from textual.widgets import Static

from rpltrack.domain.dating import MAX_GA_DAYS, Dating, format_ga


def pregnancy_words(dating: Dating | None, *, with_ga: bool = True) -> str:
    """'6w 1d · due 3 Aug 2027' while a pregnancy is ongoing (the domain's dating gives a due date only
    then); '' when she is not pregnant, after a loss, or when the record puts her outside 0w 0d-44w 6d (a
    pregnancy left open long ago says nothing rather than something untrue). Without `with_ga`, only the due
    date (Today's heading gives the weeks already)."""
    if dating is None or dating.edd is None or dating.ga_days is None:
        return ""
    if not 0 <= dating.ga_days <= MAX_GA_DAYS:
        return ""
    due = f"due {dating.edd.day} {dating.edd:%b %Y}"
    return f"{format_ga(dating.ga_days)} · {due}" if with_ga else due


class DatingBadge(Static):
    """Where a pregnancy is, at the right end of a section's title line: docked there in a layer of its own,
    so it takes no room from the screen below. Hidden when there is nothing to say."""

    DEFAULT_CSS: ClassVar[str] = """
    DatingBadge {
        layer: dating-badge;
        dock: right;
        width: auto;
        height: 1;
        margin-right: 1;
        padding: 0 0 0 2;
        background: $panel;
        text-style: bold;
        display: none;
    }
    DatingBadge.-shown {
        display: block;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.words = ""

    def show_dating(self, dating: Dating | None) -> None:
        """Say where the pregnancy is on the day `dating` describes, or nothing."""
        words = pregnancy_words(dating)
        if words != self.words:
            self.words = words
            self.update(words)
        self.set_class(bool(words), "-shown")
