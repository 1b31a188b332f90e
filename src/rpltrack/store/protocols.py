"""Protocol templates: hers, the built-in ones, and applying one to a cycle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import (
    Medication,
    MedicationState,
)
from rpltrack.store import rows
from rpltrack.store.appointments import AppointmentStore

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from rpltrack.domain.cycles import Cycle
    from rpltrack.domain.protocols import ProtocolUse, SavedProtocol, Template


class ProtocolStore(AppointmentStore):
    """Protocol templates and applying them."""

    def protocols(self) -> list[SavedProtocol]:
        """Her own templates (imported, or saved from her regimen), by name."""
        # quick path: `today` would import domain.protocols, tomllib, domain.medspec, six and 6 more (+29 ms)
        from rpltrack.domain.protocols import SavedProtocol

        return [
            SavedProtocol(r["name"], r["toml"], rows.utc_parse(r["saved_utc"]), r["id"])
            for r in self._conn.execute("SELECT * FROM protocols ORDER BY name")
        ]

    def protocol(self, name: str) -> SavedProtocol | None:
        """Her template called `name` (any case), or None."""
        wanted = name.strip().lower()
        return next((p for p in self.protocols() if p.name == wanted), None)

    def save_protocol(
        self, name: str, toml_text: str, now: datetime, *, replace: bool = False
    ) -> SavedProtocol:
        """Keep a template she imported or saved: the text is read in full first (nothing is stored from a
        file that does not read) and must carry `name`. A built-in's name is refused; one of hers is
        replaced only with `replace`. One change, so `undo` takes it back."""
        # quick path: `today` would import domain.protocols, tomllib, domain.medspec, six and 6 more (+23 ms)
        from rpltrack.domain import protocols

        self._writable()
        template = protocols.parse_template(toml_text, source=name)
        wanted = protocols.check_name(name)
        if template.name != wanted:
            raise ValidationError(f"the template in this text is called {template.name}, not {wanted}")
        if protocols.builtin_template(wanted) is not None:
            raise ValidationError(
                f"{wanted} is the name of a built-in template: save yours under another name", field="name"
            )
        existing = self.protocol(wanted)
        if existing is not None and not replace:
            raise ValidationError(
                f"you already have a template called {wanted} (saved {existing.saved_at:%Y-%m-%d}): choose "
                "another name or replace it",
                field="name",
            )
        values = {"name": wanted, "toml": toml_text, "saved_utc": rows.utc_text(now)}
        with self._w.txn():
            verb = "replaced" if existing else "saved"
            change = self._w.open_change("protocol save", f"{verb} the template {wanted}", now)
            if existing is not None and existing.id is not None:
                self._w.update(change, "protocols", existing.id, values)
            else:
                self._w.insert(change, "protocols", values)
        saved = self.protocol(wanted)
        assert saved is not None
        return saved

    def delete_protocol(self, name: str, now: datetime) -> SavedProtocol:
        """Remove one of her templates (the medications it added stay); `undo` brings it back."""
        self._writable()
        existing = self.protocol(name)
        if existing is None or existing.id is None:
            raise ValidationError(f"you have no template called {name.strip()!r}", field="name")
        with self._w.txn():
            change = self._w.open_change("protocol delete", f"deleted the template {existing.name}", now)
            self._w.delete(change, "protocols", existing.id)
        return existing

    def protocol_templates(self) -> list[Template]:
        """Every template she can apply: the built-in examples and hers, by name (hers win a shared name;
        one of hers that no longer reads is left out here and named by protocol_template)."""
        # quick path: `today` would import domain.protocols, tomllib, domain.medspec, six and 6 more (+29 ms)
        from rpltrack.domain.protocols import builtin_templates

        found = {t.name: t for t in builtin_templates()}
        for saved in self.protocols():
            try:
                found[saved.name] = saved.template()
            except ValidationError:
                continue
        return sorted(found.values(), key=lambda t: (not t.builtin, t.name))

    def protocol_template(self, name: str) -> Template:
        """The template called `name`: hers first, then the built-in examples."""
        # quick path: `today` would import domain.protocols, tomllib, domain.medspec, six and 6 more (+29 ms)
        from rpltrack.domain.protocols import builtin_template

        saved = self.protocol(name)
        if saved is not None:
            return saved.template()
        builtin = builtin_template(name)
        if builtin is not None:
            return builtin
        names = ", ".join(t.name for t in self.protocol_templates())
        raise ValidationError(
            f"there is no template called {name.strip()!r} (there are: {names})", field="name"
        )

    def protocol_uses(self, name: str | None = None) -> list[ProtocolUse]:
        """When templates were applied (all, or those called `name`), oldest first."""
        # quick path: `today` would import domain.protocols, tomllib, domain.medspec, six and 6 more (+29 ms)
        from rpltrack.domain.protocols import ProtocolUse

        sql = "SELECT * FROM protocol_uses"
        params: tuple[str, ...] = ()
        if name is not None:
            sql, params = sql + " WHERE protocol = ?", (name.strip().lower(),)
        return [
            ProtocolUse(
                r["protocol"], r["cycle_id"], r["medications"], rows.utc_parse(r["applied_utc"]), r["id"]
            )
            for r in self._conn.execute(sql + " ORDER BY id", params)
        ]

    def add_medications(
        self, meds: Sequence[Medication], now: datetime, *, protocol: str | None = None
    ) -> list[Medication]:
        """Save several medications as one change (all or nothing; one `undo` takes every one back). With
        `protocol`, the template they came from is recorded as applied to their cycle."""
        self._writable()
        if not meds:
            raise ValidationError("there are no medications to add", field="name")
        names = ", ".join(m.name for m in meds)
        summary = f"applied {protocol}: added {names}" if protocol else f"added {names}"
        cycle_ids = {m.cycle_id for m in meds if m.cycle_id is not None}
        ids: list[int] = []
        with self._w.txn():
            change = self._w.open_change("protocol apply" if protocol else "med add", summary, now)
            for med in meds:
                med_id = self._w.insert(change, "medications", rows.medication_values(med, now))
                for regimen in med.regimens:
                    self._w.insert(change, "regimens", rows.regimen_values(med_id, regimen, now))
                ids.append(med_id)
            if protocol is not None:
                use = {
                    "protocol": protocol,
                    "cycle_id": next(iter(cycle_ids)) if len(cycle_ids) == 1 else None,
                    "medications": len(meds),
                    "applied_utc": rows.utc_text(now),
                }
                self._w.insert(change, "protocol_uses", use)
        return [self.medication(med_id) for med_id in ids]

    def plan_protocol(
        self,
        template: Template,
        cycle_id: int | None,
        zone: ZoneInfo,
        now: datetime,
        *,
        doses: dict[str, str] | None = None,
        without: Sequence[str] = (),
        start_on: date | None = None,
        again: bool = False,
    ) -> list[Medication]:
        """What applying `template` to cycle `cycle_id` would add (placed on the cycle's recorded events),
        without saving. Refused: a template already applied to that cycle, or a medication she already
        takes or has planned (the same name or generic), unless `again`; missing doses (MissingDoses)."""
        # quick path: `today` would import domain.protocols, tomllib, domain.medspec, six and 6 more (+27 ms)
        from rpltrack.domain import catalog, protocols

        cycle = self.cycle(cycle_id) if cycle_id is not None else None
        meds = protocols.plan(template, cycle, zone, now, doses=doses, without=without, start_on=start_on)
        if not again and cycle is not None and cycle.id is not None:
            for use in self.protocol_uses(template.name):
                if use.cycle_id == cycle.id:
                    raise protocols.AlreadyApplied(
                        template.name, cycle.id, use.applied_at.astimezone(zone).date()
                    )
        if not again:
            doubled = []
            for med in meds:
                for mine in self._current_medications(now, cycle):
                    # Folgard already holds the folic acid of a folic acid template (catalog.contains_drug).
                    same_drug = catalog.contains_drug(mine.generic, med.generic)
                    if same_drug or mine.name.casefold() == med.name.casefold():
                        doubled.append(med.name)
                        break
            if doubled:
                raise protocols.DuplicateMedications(doubled)
        return self._placed(meds)

    def _current_medications(self, now: datetime, cycle: Cycle | None) -> list[Medication]:
        """What she takes or has planned now: active or not started, or waiting for an event of `cycle`."""
        current = []
        for med in self.medications(in_force_on=now.date() - timedelta(days=1)):
            state = med.state(now, now.astimezone(ZoneInfo(med.zone)).date())
            waiting_here = state is MedicationState.WAITING and cycle is not None and med.cycle_id == cycle.id
            if state in (MedicationState.ACTIVE, MedicationState.NOT_STARTED) or waiting_here:
                current.append(med)
        return current

    def apply_protocol(
        self,
        template: Template,
        cycle_id: int | None,
        zone: ZoneInfo,
        now: datetime,
        *,
        doses: dict[str, str] | None = None,
        without: Sequence[str] = (),
        start_on: date | None = None,
        again: bool = False,
    ) -> list[Medication]:
        """Add the template's medications anchored to cycle `cycle_id` in one change (see plan_protocol):
        doses wait for events not yet recorded and follow an event when its date is corrected."""
        meds = self.plan_protocol(
            template, cycle_id, zone, now, doses=doses, without=without, start_on=start_on, again=again
        )
        return self.add_medications(meds, now, protocol=template.name)
