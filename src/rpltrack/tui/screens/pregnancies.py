"""PregnanciesScreen: pregnancies and losses, and how many losses each guideline definition counts (§1).

Everything here is information, worded gently: an ended pregnancy gets no countdown and no congratulation,
and a loss is recorded as part of her history.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from rpltrack.domain.dating import parse_ga
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.medspec import parse_past_date
from rpltrack.domain.pregnancies import (
    NOT_COUNTED,
    OUTCOME_WORDS,
    SPONTANEOUS_LOSSES,
    Confirmation,
    Outcome,
    Pregnancy,
    count_losses,
)
from rpltrack.tui import format as fmt
from rpltrack.tui.screens.base import SECTION_KEYS, SECTIONS_CSS, SectionScreen, go_keys
from rpltrack.tui.screens.entry_form import EntryForm, Field
from rpltrack.tui.widgets.key_bar import KeyBar

EMPTY_TEXT = "No pregnancies recorded — press n for a positive test, or l to add a past loss"

HOW_FOUND = tuple((c.value, fmt.CONFIRMATION_WORDS[c]) for c in (Confirmation.HCG, Confirmation.URINE))
CONFIRMED = tuple(
    (c.value, fmt.CONFIRMATION_WORDS[c])
    for c in (Confirmation.HCG, Confirmation.URINE, Confirmation.ULTRASOUND, Confirmation.HISTOLOGY)
)
ENDINGS = tuple((o.value, OUTCOME_WORDS[o]) for o in Outcome if o is not Outcome.ONGOING)
PAST_LOSSES = tuple((o.value, OUTCOME_WORDS[o]) for o in (*SPONTANEOUS_LOSSES, *NOT_COUNTED[:2]))

POSITIVE_FIELDS = (
    Field("date", "Positive test", "YYYY-MM-DD"),
    Field("how", "Seen on", choices=HOW_FOUND),
)
END_FIELDS = (
    Field("outcome", "What happened", choices=ENDINGS),
    Field("date", "Date", "YYYY-MM-DD"),
    Field("ga", "Weeks then", "optional, e.g. 7w2d (worked out from the transfer if empty)"),
    Field("confirmed", "Confirmed by", choices=CONFIRMED),
)
LOSS_FIELDS = (
    Field("kind", "What happened", choices=PAST_LOSSES),
    Field("date", "Date", "YYYY-MM-DD (roughly is fine)"),
    Field("ga", "Weeks then", "optional, e.g. 7w2d"),
    Field("confirmed", "Confirmed by", choices=CONFIRMED),
    Field("approx", "", "The date or weeks are approximate", check=True),
)
GENTLE_SAVED = "It is part of your record."


def counts_text(pregnancies: list[Pregnancy]) -> Text:
    """The §1 sentence, then each definition's count with its source, then the longest run (and its note)."""
    counts = count_losses(pregnancies)
    text = Text()
    sentence = fmt.losses_sentence(counts)
    if sentence:
        text.append(sentence + "\n\n")
    for name, words in fmt.count_lines(counts):
        text.append(f"{name:<17}", style="bold")
        text.append(words + "\n")
    if counts.run_has_uncounted:
        text.append("\n" + fmt.RUN_NOTE + "\n")
    if counts.ga_unknown:
        noun = "loss has" if counts.ga_unknown == 1 else "losses have"
        text.append(
            f"{counts.ga_unknown} {noun} no weeks recorded; adding them makes the first-trimester "
            "count exact.\n",
            style="dim",
        )
    text.rstrip()
    return text


class PregnanciesScreen(SectionScreen):
    """Pregnancies and losses, newest first, with the counts under ESHRE, ASRM and RCOG."""

    CSS_PATH = SECTIONS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "positive_test", "Positive test", id="pregnancy-new"),
        Binding("e", "end_pregnancy", "How it ended", id="pregnancy-end"),
        Binding("l", "add_loss", "Past loss", id="loss-add"),
        *go_keys("pregnancies"),
        *SECTION_KEYS,
    ]

    def compose(self) -> ComposeResult:
        yield Static("Pregnancies and losses", id="pregnancies-title", classes="top-line")
        yield from self.readonly_banner()
        table: DataTable[str] = DataTable(id="pregnancies", cursor_type="row", zebra_stripes=True)
        for label in ("Date", "What", "Weeks", "Confirmed by", ""):
            table.add_column(label, key=label.lower() or "approximate")
        yield table
        yield Static(id="pregnancy-counts")
        yield Static(EMPTY_TEXT, id="pregnancies-empty")
        yield KeyBar()

    async def reload(self) -> None:
        pregnancies = self.journal.pregnancies()
        table = self.query_one("#pregnancies", DataTable)
        table.clear()
        for p in reversed(pregnancies):
            table.add_row(*fmt.pregnancy_row(p), key=str(p.id))
        self.query_one("#pregnancy-counts", Static).update(counts_text(pregnancies))
        self.set_class(not pregnancies, "-empty")
        if pregnancies and self.focused is None:
            table.focus()

    async def saved(self, words: str) -> None:
        self.notify(words, title="Saved", markup=False)
        await self.reload()

    def action_positive_test(self) -> None:
        if not self.can_write():
            return
        today = self.clock.today()

        def submit(entered: dict[str, str]) -> Pregnancy:
            on = parse_past_date(entered["date"], today)
            cycle = self.journal.cycle_on(on)
            how = Confirmation(entered["how"]) if entered["how"] else Confirmation.HCG
            pregnancy = Pregnancy(on, how_found=how, cycle_id=cycle.id if cycle else None)
            return self.journal.add_pregnancy(pregnancy, self.clock.now())

        async def done(saved: Pregnancy | None) -> None:
            if saved is not None and saved.started_on is not None:
                await self.saved(f"Positive test on {fmt.long_day(saved.started_on)}.")

        form = EntryForm(
            "Record a positive test",
            POSITIVE_FIELDS,
            submit,
            initial={"date": today.isoformat(), "how": Confirmation.HCG.value},
            form_id="positive-form",
        )
        self.app.push_screen(form, done)

    def action_end_pregnancy(self) -> None:
        if not self.can_write():
            return
        ongoing = [p for p in self.journal.pregnancies() if p.outcome is Outcome.ONGOING]
        if not ongoing:
            self.notify(
                "No pregnancy is recorded as ongoing. "
                "Press n to record a positive test, or l for a past loss.",
                title="Pregnancies",
            )
            return
        today = self.clock.today()

        def submit(entered: dict[str, str]) -> Pregnancy:
            if not entered["outcome"]:
                raise ValidationError("choose what happened", field="outcome")
            on = parse_past_date(entered["date"], today)
            ga = parse_ga(entered["ga"]) if entered["ga"].strip() else None
            confirmed = Confirmation(entered["confirmed"]) if entered["confirmed"] else None
            return self.journal.end_pregnancy(
                None, Outcome(entered["outcome"]), on, ga, confirmed, self.clock.now()
            )

        async def done(saved: Pregnancy | None) -> None:
            if saved is None or saved.ended_on is None:
                return
            # Facts only, whatever the outcome: no congratulation, no countdown.
            await self.saved(
                f"{saved.describe().capitalize()}, {fmt.long_day(saved.ended_on)}. {GENTLE_SAVED}"
            )

        started = ongoing[0].started_on
        form = EntryForm(
            "Record how the pregnancy ended",
            END_FIELDS,
            submit,
            initial={"date": today.isoformat()},
            intro=f"The pregnancy from the positive test on {fmt.long_day(started)}." if started else "",
            form_id="end-pregnancy-form",
        )
        self.app.push_screen(form, done)

    def action_add_loss(self) -> None:
        if not self.can_write():
            return
        today = self.clock.today()

        def submit(entered: dict[str, str]) -> Pregnancy:
            if not entered["kind"]:
                raise ValidationError("choose what happened", field="kind")
            loss = Pregnancy(
                None,
                Outcome(entered["kind"]),
                parse_past_date(entered["date"], today),
                parse_ga(entered["ga"]) if entered["ga"].strip() else None,
                Confirmation(entered["confirmed"]) if entered["confirmed"] else None,
                approximate=entered["approx"] == "yes",
            )
            return self.journal.add_pregnancy(loss, self.clock.now())

        async def done(saved: Pregnancy | None) -> None:
            if saved is not None and saved.ended_on is not None:
                await self.saved(
                    f"{saved.describe().capitalize()}, {fmt.long_day(saved.ended_on)}. {GENTLE_SAVED}"
                )

        form = EntryForm(
            "Add a past loss",
            LOSS_FIELDS,
            submit,
            intro="Past losses count in your history, including early ones seen only on a test.",
            form_id="loss-form",
        )
        self.app.push_screen(form, done)
