"""PregnanciesScreen: pregnancies and losses, and how many losses each guideline definition counts (§1).

Everything here is information, worded gently: an ended pregnancy gets no countdown and no congratulation,
and a loss is recorded as part of her history.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from rpltrack.domain.datetext import parse_past_date
from rpltrack.domain.dating import format_ga, parse_ga
from rpltrack.domain.errors import ValidationError
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
from rpltrack.tui.screens.entry_form import Answers, Checks, EntryForm, Field
from rpltrack.tui.screens.forms import ask_delete
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
OUTCOMES = tuple((o.value, OUTCOME_WORDS[o] if o is not Outcome.ONGOING else "ongoing") for o in Outcome)
PREGNANCY_FIELDS = (
    Field("date", "Positive test", "YYYY-MM-DD"),
    Field("how", "Seen on", choices=HOW_FOUND),
    Field("outcome", "Now", choices=OUTCOMES),
    Field("ended", "Ended on", "YYYY-MM-DD (empty while ongoing)"),
    Field("ga", "Weeks then", "optional, e.g. 7w2d"),
    Field("confirmed", "Confirmed by", choices=CONFIRMED),
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
        Binding("x", "end_pregnancy", "How it ended", id="pregnancy-end"),
        Binding("l", "add_loss", "Past loss", id="loss-add"),
        Binding("e", "edit", "Edit", id="pregnancy-edit"),
        Binding("d", "delete", "Delete", id="pregnancy-delete"),
        Binding("delete", "delete", "Delete", show=False, id="pregnancy-delete-key"),
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
        self.announce(words, self.clock.now())
        await self.reload()

    def action_positive_test(self) -> None:
        if not self.can_write():
            return
        today = self.clock.today()

        def submit(entered: dict[str, str], answers: Answers) -> Pregnancy:
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

        def submit(entered: dict[str, str], answers: Answers) -> Pregnancy:
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

        def submit(entered: dict[str, str], answers: Answers) -> Pregnancy:
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

    # -- changing and deleting ------------------------------------------------------------------------

    async def select_by_id(self, entry_id: int) -> bool:
        """Select pregnancy `entry_id` (a search result); False when it is not listed."""
        table = self.query_one("#pregnancies", DataTable)
        if str(entry_id) not in {key.value for key in table.rows}:
            return False
        table.move_cursor(row=table.get_row_index(str(entry_id)), animate=False)
        table.focus()
        return True

    def selected(self) -> Pregnancy | None:
        table = self.query_one("#pregnancies", DataTable)
        if table.row_count == 0:
            self.notify("Nothing is recorded yet. Press n for a positive test, or l for a past loss.")
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((p for p in self.journal.pregnancies() if str(p.id) == key), None)

    def action_edit(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen.id is None or not self.can_write():
            return
        pregnancy_id, today = chosen.id, self.clock.today()
        ga = format_ga(chosen.ga_at_end_days).replace(" ", "") if chosen.ga_at_end_days is not None else ""
        confirmed = chosen.confirmed.value if chosen.confirmed else ""
        if chosen.started_on is None:  # a past loss: the loss form
            fields: tuple[Field, ...] = LOSS_FIELDS
            initial = {
                "kind": chosen.outcome.value,
                "date": chosen.ended_on.isoformat() if chosen.ended_on else "",
                "ga": ga,
                "confirmed": confirmed,
                "approx": "yes" if chosen.approximate else "",
            }
            title = "Change the loss"
        else:
            fields = PREGNANCY_FIELDS
            initial = {
                "date": chosen.started_on.isoformat(),
                "how": chosen.how_found.value if chosen.how_found else "",
                "outcome": chosen.outcome.value,
                "ended": chosen.ended_on.isoformat() if chosen.ended_on else "",
                "ga": ga,
                "confirmed": confirmed,
            }
            title = "Change the pregnancy"

        def submit(entered: dict[str, str], answers: Answers) -> Pregnancy:
            values = read_changes(entered, today, loss=chosen.started_on is None)
            return self.journal.edit_pregnancy(pregnancy_id, self.clock.now(), sure=answers.sure, **values)

        async def done(saved: Pregnancy | None) -> None:
            if saved is None:
                return
            await self.reload()
            on = saved.ended_on or saved.started_on
            when = f", {fmt.long_day(on)}" if on else ""
            self.announce(f"Changed: {saved.describe()}{when}", self.clock.now())

        form = EntryForm(title, fields, submit, initial=initial, form_id="pregnancy-form", what="loss")
        self.app.push_screen(form, done)

    def action_delete(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen.id is None:
            return
        pregnancy_id = chosen.id
        on = chosen.ended_on or chosen.started_on
        what = (
            f"the pregnancy from the positive test of {fmt.long_day(chosen.started_on)}"
            if chosen.outcome is Outcome.ONGOING and chosen.started_on
            else f"the {chosen.describe()}" + (f" of {fmt.long_day(on)}" if on else "")
        )
        ask_delete(
            self,
            what,
            lambda: self.journal.dependents_of_pregnancy(pregnancy_id),
            lambda now: self.journal.delete_pregnancy(pregnancy_id, now, with_dependents=True),
            self.reload,
        )


def read_changes(entered: dict[str, str], today: date, *, loss: bool) -> dict[str, Any]:
    """The edit form's text as edit_pregnancy's fields; every field that cannot be read is said at once."""
    checks = Checks()
    values: dict[str, Any] = {}
    with checks.on("ga"):
        values["ga_at_end_days"] = parse_ga(entered["ga"]) if entered["ga"].strip() else None
    values["confirmed"] = Confirmation(entered["confirmed"]) if entered["confirmed"] else None
    if loss:
        if not entered["kind"]:
            checks.fail("kind", "choose what happened")
        with checks.on("date"):
            values["ended_on"] = parse_past_date(entered["date"], today)
        checks.done()
        values.update(outcome=Outcome(entered["kind"]), approximate=entered["approx"] == "yes")
        return values
    with checks.on("date"):
        values["started_on"] = parse_past_date(entered["date"], today)
    ended = entered["ended"].strip()
    if ended:
        with checks.on("ended"):
            values["ended_on"] = parse_past_date(ended, today, "ended")
    if not entered["outcome"]:
        checks.fail("outcome", "choose how the pregnancy stands")
    checks.done()
    outcome = Outcome(entered["outcome"])
    values["outcome"] = outcome
    values["how_found"] = Confirmation(entered["how"]) if entered["how"] else None
    if outcome is Outcome.ONGOING:
        values.update(ended_on=None, ga_at_end_days=None, confirmed=None)
    elif not ended:
        raise ValidationError("give the day it ended", field="ended")
    return values
