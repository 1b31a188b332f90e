"""Beta results, pregnancies and losses: recording, correcting and removing them, each as one audited change
that undo takes back whole; and which cycle dates a day."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from rpltrack.domain.errors import DuplicateEntry, HasDependents, NeedsConfirmation, ValidationError
from rpltrack.domain.records import replace
from rpltrack.store.base import timeline_conv
from rpltrack.store.cycles import (
    CycleStore,
    _counted,
    _known,
    _said,
    _summary,
)

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from rpltrack.domain.betas import BetaDraw
    from rpltrack.domain.cycles import Cycle
    from rpltrack.domain.dating import Dating
    from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy


_BETA_FIELDS = ("value", "drawn_at", "lab", "cycle_id")


_PREGNANCY_FIELDS = (
    "started_on",
    "outcome",
    "ended_on",
    "ga_at_end_days",
    "confirmed",
    "how_found",
    "approximate",
    "cycle_id",
    "notes",
)


def _drawn(at: datetime) -> str:
    """'3 Dec 2026 08:00': a draw time in its own zone, as she reads it in the change log."""
    # quick path: `take` would import domain.dating (+0.5 ms)
    from rpltrack.domain.dating import day_words

    return f"{day_words(at.date())} {at:%H:%M}"


def _zone_key(at: datetime) -> str:
    zone = at.tzinfo
    return zone.key if isinstance(zone, ZoneInfo) else "UTC"


class TimelineStore(CycleStore):
    """Beta results, pregnancies and losses, and the dating of a day."""

    def betas(self) -> list[BetaDraw]:
        """Every beta result, oldest first."""
        return [
            timeline_conv().beta_of(r)
            for r in self._conn.execute("SELECT * FROM betas ORDER BY drawn_utc, id")
        ]

    def add_beta(
        self, draw: BetaDraw, now: datetime, *, confirmed_unusual: bool = False, again: bool = False
    ) -> BetaDraw:
        """Record a beta result (in the cycle that covers its draw unless one is given). The same value
        drawn at the same time as a stored result is refused (DuplicateEntry) unless `again`."""
        self._writable()
        if draw.cycle_id is None:
            cycle = self.cycle_on(draw.drawn_at.date())
            draw = replace(draw, cycle_id=cycle.id if cycle else None)
        else:
            self.cycle(draw.cycle_id)
        if not again:
            twin = next(
                (
                    b
                    for b in self.betas()
                    if b.drawn_at == draw.drawn_at
                    and (b.value.op, b.value.value) == (draw.value.op, draw.value.value)
                ),
                None,
            )
            if twin is not None:
                assert twin.id is not None
                raise DuplicateEntry(
                    f"a beta of {twin.value} mIU/mL drawn {twin.drawn_at:%Y-%m-%d %H:%M} is already "
                    f"recorded (beta {twin.id})",
                    existing_id=twin.id,
                    field="value",
                )
        with self._w.txn():
            change = self._w.open_change(
                "beta add", f"added a beta of {draw.value} drawn {_drawn(draw.drawn_at)}", now
            )
            beta_id = self._w.insert(
                change,
                "betas",
                timeline_conv().beta_values(draw, _zone_key(draw.drawn_at), confirmed_unusual, now),
            )
        return self.beta(beta_id)

    def edit_beta(self, beta_id: int, now: datetime, *, sure: bool = False, **fields: Any) -> BetaDraw:
        """Correct a beta's value, draw time, lab or cycle. A new value above the plausible range is asked
        about first (NeedsConfirmation) unless `sure`. A new draw time outside its cycle moves the result
        to the cycle that covers it (unless a cycle_id is given)."""
        _known(fields, _BETA_FIELDS, "beta result")
        self._writable()
        draw = self.beta(beta_id)
        row = self._conn.execute("SELECT confirmed_unusual FROM betas WHERE id = ?", (beta_id,)).fetchone()
        if "lab" in fields:
            fields["lab"] = (fields["lab"] or "").strip()
        changed = replace(draw, **fields)
        if changed.drawn_at != draw.drawn_at:
            changed.check_drawn(now)
            if "cycle_id" not in fields:
                current = self.cycle(draw.cycle_id) if draw.cycle_id is not None else None
                local_day = changed.drawn_at.date()
                if current is None or not current.active_on(local_day):
                    covering = self.cycle_on(local_day)
                    changed = replace(changed, cycle_id=covering.id if covering else None)
        if changed.cycle_id is not None and changed.cycle_id != draw.cycle_id:
            self.cycle(changed.cycle_id)
        if changed == draw:
            return draw
        same_value = (changed.value.op, changed.value.value) == (draw.value.op, draw.value.value)
        confirmed = bool(row["confirmed_unusual"]) if same_value else False
        if changed.unusual and not same_value:
            if not sure:
                raise NeedsConfirmation(
                    f"{changed.value} mIU/mL is unusually high for a beta: check the number and unit on the "
                    "report. Keep it as written?",
                    field="value",
                )
            confirmed = True
        parts = []
        if not same_value:
            parts.append(_said("value", draw.value, changed.value))
        if changed.drawn_at != draw.drawn_at:
            parts.append(
                _said(
                    "drawn",
                    _drawn(draw.drawn_at),
                    _drawn(changed.drawn_at.astimezone(draw.drawn_at.tzinfo)),
                )
            )
        if changed.lab != draw.lab:
            parts.append(_said("lab", draw.lab, changed.lab))
        if changed.cycle_id != draw.cycle_id:
            parts.append(
                _said(
                    "cycle",
                    f"cycle {draw.cycle_id}" if draw.cycle_id else "",
                    f"cycle {changed.cycle_id}" if changed.cycle_id else "",
                )
            )
        what = f"the beta of {_drawn(draw.drawn_at)}"
        summary = (
            f"changed {what} from {draw.value} to {changed.value}"
            if parts == [_said("value", draw.value, changed.value)]
            else _summary(what, parts or ["value written as given"])
        )
        values = timeline_conv().beta_values(changed, _zone_key(changed.drawn_at), confirmed, now)
        values.pop("created_utc")
        with self._w.txn():
            change = self._w.open_change("beta edit", summary, now)
            self._w.update(change, "betas", beta_id, values)
        return self.beta(beta_id)

    def dependents_of_beta(self, beta_id: int) -> list[str]:
        """Nothing depends on a beta result alone (its pairs and flags are worked out from the rest)."""
        self.beta(beta_id)
        return []

    def delete_beta(self, beta_id: int, now: datetime, *, with_dependents: bool = False) -> BetaDraw:
        """Remove one beta result; the series, flags and exports are worked out again without it."""
        self._writable()
        draw = self.beta(beta_id)
        summary = f"deleted the beta of {draw.value} drawn {_drawn(draw.drawn_at)}"
        with self._w.txn():
            change = self._w.open_change("beta delete", summary, now)
            self._w.delete(change, "betas", beta_id)
        return draw

    # -- pregnancies and losses ---------------------------------------------------------------------

    def _check_outcome(self, pregnancy: Pregnancy, *, again: bool, sure: bool, overlap: bool) -> None:
        """The duplicate and plausibility checks of a pregnancy about to be written (any id is its own)."""
        # quick path: `take` would import domain.pregnancies, domain.dating (+1.5 ms)
        from rpltrack.domain.pregnancies import live_birth_question, overlap_question, same_day_outcome

        others = [p for p in self.pregnancies() if pregnancy.id is None or p.id != pregnancy.id]
        twin = same_day_outcome(pregnancy, others)
        if twin is not None and not again:
            assert twin.id is not None
            raise DuplicateEntry(
                f"a {twin.describe()} on {twin.ended_on} is already recorded (entry {twin.id}); the same "
                "loss entered twice would be counted twice",
                existing_id=twin.id,
                field="date",
            )
        questions = [live_birth_question(pregnancy)]
        if overlap:
            questions.append(overlap_question(pregnancy, others))
        asked = [q for q in questions if q]
        if asked and not sure:
            raise NeedsConfirmation(" ".join(asked), field="ga")

    def add_pregnancy(
        self, pregnancy: Pregnancy, now: datetime, *, again: bool = False, sure: bool = False
    ) -> Pregnancy:
        """Record a pregnancy from its positive test, or a past loss on its own. An outcome on the same day
        as a recorded one is refused (DuplicateEntry) unless `again`; a live birth before 20 weeks, or a
        loss whose dates overlap another's, is asked about (NeedsConfirmation) unless `sure`."""
        self._writable()
        if pregnancy.cycle_id is not None:
            self.cycle(pregnancy.cycle_id)
        if pregnancy.outcome.value == "ongoing" and any(
            p.outcome.value == "ongoing" for p in self.pregnancies()
        ):
            raise ValidationError(code="pregnancy.ongoing_exists", field="date")
        self._check_outcome(pregnancy, again=again, sure=sure, overlap=True)
        summary = f"recorded a pregnancy ({pregnancy.describe()})"
        with self._w.txn():
            change = self._w.open_change("pregnancy add", summary, now)
            preg_id = self._w.insert(change, "pregnancies", timeline_conv().pregnancy_values(pregnancy, now))
        return self.pregnancy(preg_id)

    def end_pregnancy(
        self,
        pregnancy_id: int | None,
        outcome: Outcome,
        on: date,
        ga_days: int | None,
        confirmed: Confirmation | None,
        now: datetime,
        *,
        again: bool = False,
        sure: bool = False,
    ) -> Pregnancy:
        """Record how a pregnancy ended (the ongoing one unless an id is given). The same checks as
        add_pregnancy: an outcome already recorded on that day, a live birth before 20 weeks."""
        self._writable()
        candidates = [
            p
            for p in self.pregnancies()
            if (p.id == pregnancy_id if pregnancy_id is not None else p.outcome.value == "ongoing")
        ]
        if not candidates:
            raise ValidationError(code="pregnancy.none_ongoing", field="id")
        current = candidates[0]
        assert current.id is not None
        if ga_days is None and current.cycle_id is not None:
            dating = self.cycle(current.cycle_id).dating_on(on, pregnant=True)
            ga_days = dating.ga_days
        ended = replace(current, outcome=outcome, ended_on=on, ga_at_end_days=ga_days, confirmed=confirmed)
        self._check_outcome(ended, again=again, sure=sure, overlap=False)
        values = timeline_conv().pregnancy_values(ended, now)
        values.pop("created_utc")
        with self._w.txn():
            change = self._w.open_change("pregnancy end", f"recorded {ended.describe()}", now)
            self._w.update(change, "pregnancies", current.id, values)
        return self.pregnancy(current.id)

    def edit_pregnancy(
        self, pregnancy_id: int, now: datetime, *, sure: bool = False, **fields: Any
    ) -> Pregnancy:
        """Correct a pregnancy or loss: its positive test date, how it was found, outcome, end date, GA at
        the end, confirmation, approximate mark, cycle or notes. outcome=ONGOING without an end date
        reopens it (end, GA and confirmation cleared). A live birth before 20 weeks is asked about
        (NeedsConfirmation) unless `sure`."""
        # quick path: `take` would import domain.pregnancies, domain.dating (+1.5 ms)
        from rpltrack.domain.pregnancies import Confirmation, Outcome, parse_outcome

        _known(fields, _PREGNANCY_FIELDS, "pregnancy")
        self._writable()
        current = self.pregnancy(pregnancy_id)
        if isinstance(fields.get("outcome"), str):
            fields["outcome"] = parse_outcome(fields["outcome"])
        for name in ("confirmed", "how_found"):
            if isinstance(fields.get(name), str):
                fields[name] = Confirmation(fields[name])
        if "notes" in fields:
            fields["notes"] = (fields["notes"] or "").strip()
        if fields.get("outcome") is Outcome.ONGOING and "ended_on" not in fields:
            fields.update(ended_on=None, ga_at_end_days=None, confirmed=None)
        changed = replace(current, **fields)
        if changed == current:
            return current
        if changed.cycle_id is not None and changed.cycle_id != current.cycle_id:
            self.cycle(changed.cycle_id)
        reopened = changed.outcome is Outcome.ONGOING and current.outcome is not Outcome.ONGOING
        if reopened and any(p.outcome is Outcome.ONGOING for p in self.pregnancies()):
            raise ValidationError(
                "another pregnancy is recorded as ongoing: record how that one ended first",
                field="outcome",
            )
        outcome_changed = (changed.outcome, changed.ga_at_end_days) != (
            current.outcome,
            current.ga_at_end_days,
        )
        if outcome_changed:
            self._check_outcome(changed, again=True, sure=sure, overlap=False)
        labels = {
            "started_on": "positive test",
            "outcome": "outcome",
            "ended_on": "end",
            "ga_at_end_days": "gestational age",
            "confirmed": "confirmed by",
            "how_found": "found by",
            "approximate": "approximate",
            "cycle_id": "cycle",
            "notes": "notes",
        }
        parts = []
        for name in _PREGNANCY_FIELDS:
            before, after = getattr(current, name), getattr(changed, name)
            if before == after:
                continue
            if name == "notes":
                parts.append("notes changed")
            elif name == "ga_at_end_days":
                # quick path: `take` would import domain.dating (+0.5 ms)
                from rpltrack.domain.dating import format_ga

                shown = [format_ga(d) if d is not None else None for d in (before, after)]
                parts.append(_said(labels[name], *shown))
            else:
                parts.append(_said(labels[name], before, after))
        what = "loss" if current.is_loss else "pregnancy"
        summary = _summary(f"the {what} {current.describe_dated()}", parts)
        values = timeline_conv().pregnancy_values(changed, now)
        values.pop("created_utc")
        with self._w.txn():
            change = self._w.open_change("pregnancy edit", summary, now)
            self._w.update(change, "pregnancies", pregnancy_id, values)
        return self.pregnancy(pregnancy_id)

    def dependents_of_pregnancy(self, pregnancy_id: int) -> list[str]:
        """Medications scheduled from this pregnancy's positive test (when its cycle records no positive-beta
        event of its own)."""
        # quick path: `take` would import domain.cycles, domain.dating (+1.5 ms)
        from rpltrack.domain.cycles import EventKind

        pregnancy = self.pregnancy(pregnancy_id)
        if pregnancy.cycle_id is None or pregnancy.started_on is None:
            return []
        if self.cycle(pregnancy.cycle_id).event_on(EventKind.POSITIVE_BETA) is not None:
            return []
        meds = self._anchored_medications(pregnancy.cycle_id, "positive-beta")
        if not meds:
            return []
        return [_counted(len(meds), "medication") + " scheduled from its positive test"]

    def delete_pregnancy(
        self, pregnancy_id: int, now: datetime, *, with_dependents: bool = False
    ) -> Pregnancy:
        """Remove one pregnancy or loss; the loss counts are worked out again without it. Refused
        (HasDependents) when medications are scheduled from its positive test, unless `with_dependents`."""
        self._writable()
        pregnancy = self.pregnancy(pregnancy_id)
        dependents = self.dependents_of_pregnancy(pregnancy_id)
        if dependents and not with_dependents:
            raise HasDependents(
                f"{', '.join(dependents)}: without the pregnancy {pregnancy.describe_dated()}, their start "
                "or end waits for another positive test",
                dependents=dependents,
                field="id",
            )
        what = "loss" if pregnancy.is_loss else "pregnancy"
        summary = f"deleted the {what} {pregnancy.describe_dated()}"
        with self._w.txn():
            change = self._w.open_change("pregnancy delete", summary, now)
            self._w.delete(change, "pregnancies", pregnancy_id)
        return pregnancy

    # -- dating -------------------------------------------------------------------------------------

    def dating_cycle_on(self, day: date) -> tuple[Cycle, bool] | None:
        """The cycle `day` is dated from, and whether a pregnancy is ongoing (domain: dating_cycle). Only
        the cycles that can answer are read: the ongoing pregnancy's own, and the latest covering `day`."""
        # quick path: `take` would import domain.pregnancies, domain.dating (+1.5 ms)
        from rpltrack.domain.pregnancies import Outcome, dating_cycle

        ongoing = [p for p in self.pregnancies() if p.outcome is Outcome.ONGOING]
        candidates: list[Cycle] = []
        for p in ongoing:
            if p.cycle_id is not None:
                candidates.append(self.cycle(p.cycle_id))
            elif p.started_on is not None:
                candidates += self._load_cycles(
                    "WHERE id = (SELECT id FROM cycles WHERE cd1 <= ? ORDER BY cd1 DESC, id DESC LIMIT 1)",
                    (p.started_on.isoformat(),),
                )
        latest = "SELECT id FROM cycles WHERE cd1 <= ?1 AND (ended_on IS NULL OR ended_on >= ?1)"
        candidates += self._load_cycles(
            f"WHERE id = ({latest} ORDER BY cd1 DESC, id DESC LIMIT 1)", (day.isoformat(),)
        )
        return dating_cycle(candidates, ongoing, day)

    def dating_on(self, day: date) -> Dating | None:
        """Where she is on `day`: cycle day, days past transfer, GA while a pregnancy is ongoing (always
        from that pregnancy's own cycle)."""
        found = self.dating_cycle_on(day)
        if found is None:
            return None
        cycle, pregnant = found
        return cycle.dating_on(day, pregnant=pregnant)
