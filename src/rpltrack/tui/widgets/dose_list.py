"""DoseList: today's doses, one row each, with the keys that ask to mark the highlighted one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Label, ListItem, ListView

from rpltrack.domain.models import DoseStatus, DoseView
from rpltrack.tui import format as fmt

STATE_CLASSES = ("-overdue", "-due", "-taken", "-skipped", "-missed")


def dose_key(view: DoseView) -> tuple[int | None, datetime | None, int | None]:
    """Identifies a row across refreshes: the medication and its slot (or the log, for as-needed doses)."""
    return (
        view.medication.id,
        view.slot.slot_at if view.slot else None,
        view.log.id if view.slot is None and view.log else None,
    )


class DoseRow(ListItem):
    """One dose: time, medication, amount and what happened to it."""

    def __init__(self, view: DoseView, zone: ZoneInfo) -> None:
        # The state class is given at construction, so a new row is styled once, not restyled after.
        super().__init__(classes=f"dose-row {fmt.dose_state_class(view)}")
        self.zone = zone
        # Made here, not in compose, so a refresh can update a row that is still being mounted.
        self.time_label = Label(classes="dose-time")
        self.med_label = Label(classes="dose-med", markup=False)
        self.amount_label = Label(classes="dose-amount")
        self.state_label = Label(classes="dose-state", markup=False)
        self.show(view)

    def compose(self) -> ComposeResult:
        yield self.time_label
        yield self.med_label
        yield self.amount_label
        yield self.state_label

    def show(self, view: DoseView) -> None:
        self.view = view
        self.time_label.update(fmt.dose_time(view, self.zone))
        self.med_label.update(view.medication.name)
        self.amount_label.update(fmt.dose_amount(view))
        self.state_label.update(fmt.dose_state(view, self.zone))
        state_class = fmt.dose_state_class(view)
        # Each class change restyles the row and its labels, so change classes only when the state did.
        if not self.has_class(state_class):
            self.remove_class(*STATE_CLASSES, update=False)
            self.add_class(state_class)


class DoseList(ListView):
    """Today's doses in time order. `t` and `s` ask the screen to mark the highlighted dose."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "request_take", "Taken", id="take-dose"),
        Binding("s", "request_skip", "Skip", id="skip-dose"),
    ]

    class TakeRequested(Message):
        """She asked to mark `view` as taken."""

        def __init__(self, view: DoseView) -> None:
            super().__init__()
            self.view = view

    class SkipRequested(Message):
        """She asked to mark `view` as skipped."""

        def __init__(self, view: DoseView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, zone: ZoneInfo, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.zone = zone

    @property
    def highlighted_view(self) -> DoseView | None:
        row = self.highlighted_child
        return row.view if isinstance(row, DoseRow) else None

    def action_request_take(self) -> None:
        view = self.highlighted_view
        if view is not None:
            self.post_message(self.TakeRequested(view))

    def action_request_skip(self) -> None:
        view = self.highlighted_view
        if view is not None:
            self.post_message(self.SkipRequested(view))

    async def show_doses(self, views: Sequence[DoseView]) -> None:
        """Show `views`; rows of the same doses are updated in place so the highlight stays put."""
        rows = [child for child in self.children if isinstance(child, DoseRow)]
        if [dose_key(r.view) for r in rows] == [dose_key(v) for v in views]:
            for row, view in zip(rows, views, strict=True):
                row.show(view)
            return
        keep = self.highlighted_view
        await self.clear()
        await self.extend(DoseRow(view, self.zone) for view in views)
        self.index = self._start_index(views, keep)

    @staticmethod
    def _start_index(views: Sequence[DoseView], keep: DoseView | None) -> int | None:
        """The row to highlight: the one highlighted before if it is still there, else the first dose still
        open (the one she is most likely to log), else the first row."""
        if not views:
            return None
        if keep is not None:
            for index, view in enumerate(views):
                if dose_key(view) == dose_key(keep):
                    return index
        for index, view in enumerate(views):
            if view.status is DoseStatus.DUE:
                return index
        return 0
