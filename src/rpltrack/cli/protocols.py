"""`rpltrack protocol list|show|apply|export|import|save|delete`: protocol templates (#8)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from rpltrack.cli.context import Context
from rpltrack.cli.entry import entry_id
from rpltrack.cli.meds import span_text
from rpltrack.cli.output import medication_json
from rpltrack.cli.stream import write_exact
from rpltrack.domain import catalog, protocols
from rpltrack.domain.cycles import CYCLE_KIND_WORDS, CycleKind
from rpltrack.domain.datetext import parse_date
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import MedicationState
from rpltrack.domain.protocol_writing import render_template, template_from_medications
from rpltrack.domain.protocols import MAX_TEXT, check_name, parse_template
from rpltrack.domain.records import replace
from rpltrack.store.exporting import refuse_unsafe_target

if TYPE_CHECKING:
    from typing import Any

    from rpltrack.domain.cycles import Cycle
    from rpltrack.domain.models import Medication
    from rpltrack.domain.protocols import Template, TemplateEntry

NOT_ADVICE = "Templates are examples to match to your clinic's written instructions, not recommendations."


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    protocol = sub.add_parser(
        "protocol",
        parents=[common],
        help="protocol templates: a clinic's calendar as schedules tied to cycle events",
        description="Protocol templates: medications whose starts and ends are offsets from cycle events "
        "(transfer-5d, positive-beta) or gestational ages (36w0d). " + NOT_ADVICE,
    )
    p_sub = protocol.add_subparsers(dest="protocol_command", metavar="COMMAND", required=True)

    lst = p_sub.add_parser(
        "list",
        parents=[common],
        help="the built-in examples and your own templates",
        description="The built-in example templates and the ones you imported or saved.",
    )
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.set_defaults(func=protocol_list)

    show = p_sub.add_parser(
        "show",
        parents=[common],
        help="a template's medications and schedules",
        description="A template's medications, doses and schedules, and when it was applied.",
    )
    show.add_argument("name", help="the template's name (rpltrack protocol list)")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.add_argument("--toml", action="store_true", help="print the template's TOML text")
    show.set_defaults(func=protocol_show)

    apply = p_sub.add_parser(
        "apply",
        parents=[common],
        help="add a template's medications, tied to a cycle's events",
        description="Add the template's medications in one step, their starts and ends tied to the cycle's "
        "events: doses wait for an event not recorded yet and follow an event when its date is corrected. "
        "One `rpltrack undo` takes every one back.",
    )
    apply.add_argument("name", help="the template's name (rpltrack protocol list)")
    apply.add_argument(
        "--cycle", type=entry_id, metavar="ID", help="the cycle's id (default: the cycle in progress today)"
    )
    apply.add_argument(
        "--dose",
        action="append",
        default=[],
        metavar="NAME=AMOUNT",
        help="your clinic's dose for a medication, e.g. 'progesterone in oil=1 mL' (repeat for each)",
    )
    apply.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="NAME",
        help="leave this medication out (repeatable)",
    )
    apply.add_argument(
        "--start",
        default="",
        metavar="DATE",
        help="first day, YYYY-MM-DD, of medications without a start of their own (default today)",
    )
    apply.add_argument(
        "--again",
        action="store_true",
        help="add its medications even if it was applied to this cycle before or you take one already",
    )
    apply.add_argument("--dry-run", action="store_true", help="show what would be added; save nothing")
    apply.add_argument("--json", action="store_true", help="print the medications as JSON")
    apply.set_defaults(func=protocol_apply)

    export = p_sub.add_parser(
        "export",
        parents=[common],
        help="write a template to a TOML file",
        description="Write a template to a TOML file (owner-only) to edit or share; '-' prints it.",
    )
    export.add_argument("name", help="the template's name")
    export.add_argument("file", help="the file to write, or - for the standard output")
    export.add_argument("--force", action="store_true", help="replace the file if it exists")
    export.set_defaults(func=protocol_export)

    imp = p_sub.add_parser(
        "import",
        parents=[common],
        help="keep a template from a TOML file in your journal",
        description="Read a template file in full and keep it in your journal; a file with any problem is "
        "refused with its line and field, and nothing is kept.",
    )
    imp.add_argument("file", help="the TOML file")
    imp.add_argument("--name", default="", help="keep it under this name instead of the file's")
    imp.add_argument("--replace", action="store_true", help="replace your template of the same name")
    imp.set_defaults(func=protocol_import)

    save = p_sub.add_parser(
        "save",
        parents=[common],
        help="save your own regimen as a template for next cycle",
        description="Save your medications as a template: by default what you take or have planned now; "
        "with --from-cycle, the medications tied to that cycle's events. Dates become offsets or "
        "lengths, so the template fits the next cycle.",
    )
    save.add_argument("name", help="a name like my-fet-2026 (lower-case letters, digits, dashes)")
    save.add_argument("--from-cycle", type=entry_id, metavar="ID", help="the cycle whose medications to save")
    save.add_argument("--title", default="", help="a title in your words")
    save.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="NAME",
        help="leave this medication out (repeatable)",
    )
    save.add_argument("--replace", action="store_true", help="replace your template of the same name")
    save.set_defaults(func=protocol_save)

    delete = p_sub.add_parser(
        "delete",
        parents=[common],
        help="delete one of your templates",
        description="Delete one of your templates (the medications it added stay).",
    )
    delete.add_argument("name")
    delete.set_defaults(func=protocol_delete)


# -- list and show -----------------------------------------------------------------------------------------


def _entry_json(entry: TemplateEntry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "dose": entry.dose or None,
        "taper": entry.taper or None,
        "times": list(entry.times),
        "every": entry.every or None,
        "every_days": entry.every_days,
        "weekdays": list(entry.weekdays),
        "prn": entry.prn,
        "start": entry.start or None,
        "until": entry.until or None,
        "for": entry.for_ or None,
        "route": entry.route or None,
        "supply": entry.supply,
        "notes": entry.notes,
        "schedule": entry.describe(),
    }


def _summary_json(template: Template) -> dict[str, Any]:
    return {
        "name": template.name,
        "title": template.title,
        "builtin": template.builtin,
        "cycle": template.cycle or None,
        "events": list(template.expected_events),
        "medications": len(template.medications),
        "missing_doses": list(template.missing_doses),
    }


def protocol_list(ctx: Context) -> int:
    templates = ctx.journal.protocol_templates()
    if ctx.as_json:
        ctx.emit_json([_summary_json(t) for t in templates])
        return 0
    width = max(len(t.name) for t in templates)
    for heading, group in (
        ("Built-in examples", [t for t in templates if t.builtin]),
        ("Yours", [t for t in templates if not t.builtin]),
    ):
        if not group:
            continue
        print(f"{heading}:")
        for t in group:
            count = len(t.medications)
            facts = [f"{count} medication{'s' if count != 1 else ''}"]
            if t.expected_events:
                facts.append("expects " + ", ".join(t.expected_events))
            if t.missing_doses:
                facts.append("your clinic's dose for " + ", ".join(t.missing_doses))
            print(f"  {t.name:<{width}}  {t.title} ({'; '.join(facts)})")
    print(NOT_ADVICE)
    print("Show one: rpltrack protocol show NAME. Apply one: rpltrack protocol apply NAME [--cycle ID].")
    return 0


def protocol_show(ctx: Context) -> int:
    # heavy: textwrap
    import textwrap

    a, journal = ctx.args, ctx.journal
    template = journal.protocol_template(a.name)
    uses = journal.protocol_uses(template.name)
    if a.toml:
        write_exact(_text_of(ctx, template))
        return 0
    if ctx.as_json:
        ctx.emit_json(
            {
                **_summary_json(template),
                "note": template.note,
                "medications": [_entry_json(e) for e in template.medications],
                "applied": [
                    {
                        "cycle_id": u.cycle_id,
                        "medications": u.medications,
                        "at": u.applied_at.astimezone(ctx.zone).isoformat(timespec="seconds"),
                    }
                    for u in uses
                ],
            }
        )
        return 0
    kind = "built-in example" if template.builtin else "yours"
    print(f"{template.name}: {template.title} ({kind})")
    if template.note:
        print(textwrap.fill(template.note, width=100))
    facts = []
    if template.cycle:
        facts.append(f"for a {CYCLE_KIND_WORDS[CycleKind(template.cycle)]} cycle")
    if template.expected_events:
        facts.append("expects " + ", ".join(template.expected_events))
    if facts:
        sentence = "; ".join(facts)
        print(sentence[0].upper() + sentence[1:] + ".")
    print("Medications:")
    for number, entry in enumerate(template.medications, 1):
        if entry.taper:
            dose = f"taper {entry.taper}"
        elif entry.dose:
            dose = entry.dose
        else:
            dose = f"your clinic's dose (apply with --dose '{entry.name}=AMOUNT')"
        route = f", {entry.route}" if entry.route else ""
        print(f"  {number}. {entry.name}: {dose}{route}; {entry.describe()}")
        if entry.notes:
            print(f"     notes: {entry.notes}")
    for use in uses:
        where = f"cycle {use.cycle_id}" if use.cycle_id is not None else "no cycle"
        on = use.applied_at.astimezone(ctx.zone).date()
        print(f"Applied to {where} on {on} ({use.medications} medications).")
    return 0


def _text_of(ctx: Context, template: Template) -> str:
    """The template's file: hers as she imported or saved it, a built-in as shipped (comments kept)."""
    saved = None if template.builtin else ctx.journal.protocol(template.name)
    if saved is not None:
        return saved.text
    return template.text or render_template(template)


# -- apply -------------------------------------------------------------------------------------------------


def _cycle_words(cycle: Cycle) -> str:
    return f"cycle {cycle.id} ({CYCLE_KIND_WORDS[cycle.kind]} from {cycle.cd1})"


def _med_line(med: Medication) -> str:
    steps = " then ".join(f"{r.amount} from {r.effective_on}" for r in med.regimens[1:])
    text = f"{med.name} {med.regimens[0].amount}, {med.current.timing.describe()}, {span_text(med)}"
    if steps and not med.anchored:
        text += f"; then {steps}"
    return text


def protocol_apply(ctx: Context) -> int:
    a, journal, now, today = ctx.args, ctx.journal, ctx.now(), ctx.clock.today()
    template = journal.protocol_template(a.name)
    doses = protocols.parse_dose_overrides(a.dose)
    start_on = parse_date(a.start, "start") if a.start.strip() else None
    cycle = journal.cycle(a.cycle) if a.cycle is not None else None
    if cycle is None and template.needs_cycle:
        cycle = journal.cycle_on(today)
        if cycle is None:
            events = ", ".join(template.expected_events)
            kind = template.cycle or "fet"
            raise ValidationError(
                f"{template.name} ties medications to cycle events ({events}) and no cycle is in progress "
                f"today: record it first (rpltrack cycle add --kind {kind} --cd1 YYYY-MM-DD) or give "
                "--cycle ID",
                field="cycle",
            )
    cycle_id = cycle.id if cycle is not None else None
    options: dict[str, Any] = {"doses": doses, "without": a.without, "start_on": start_on, "again": a.again}
    try:
        if a.dry_run:
            meds = journal.plan_protocol(template, cycle_id, ctx.zone, now, **options)
        else:
            meds = journal.apply_protocol(template, cycle_id, ctx.zone, now, **options)
    except protocols.MissingDoses as exc:
        given = " ".join(f"--dose '{name}=AMOUNT'" for name in exc.names)
        raise ValidationError(
            f"{exc.message} with {given} (or leave one out with --without NAME)",
            field="dose",
        ) from None
    except protocols.AlreadyApplied as exc:
        raise ValidationError(
            f"{exc.message}: its medications are in your journal (rpltrack med list); to add them a second "
            "time, use --again",
            field="name",
        ) from None
    except protocols.DuplicateMedications as exc:
        leave = " ".join(f"--without '{name}'" for name in exc.names)
        raise ValidationError(
            f"{exc.message}: leave {'them' if len(exc.names) > 1 else 'it'} out with {leave}, or add "
            f"{'them' if len(exc.names) > 1 else 'it'} anyway with --again",
            field="name",
        ) from None
    if ctx.as_json:
        ctx.emit_json(
            {
                "protocol": template.name,
                "cycle_id": cycle_id if any(m.anchored for m in meds) else None,
                "dry_run": bool(a.dry_run),
                "medications": [medication_json(m, now, today, ctx.zone) for m in meds],
            }
        )
        return 0
    where = f" to {_cycle_words(cycle)}" if cycle is not None and any(m.anchored for m in meds) else ""
    count = f"{len(meds)} medication{'s' if len(meds) != 1 else ''}"
    head = "Would apply" if a.dry_run else "Applied"
    print(
        f"{head} {template.name} ({template.title}){where}: {count}{' (nothing saved)' if a.dry_run else ''}."
    )
    for med in meds:
        print(f"  {_med_line(med)}")
    if cycle is not None and template.cycle and template.cycle != cycle.kind.value and where:
        print(f"Note: the template is written for a {template.cycle} cycle; this one is {cycle.kind.value}.")
    if a.dry_run:
        return 0
    if where:
        print("When an event's date is corrected, these doses follow it.")
    print(
        "Change a dose from a date: rpltrack med edit NAME --dose AMOUNT --from YYYY-MM-DD. "
        "Take this whole step back: rpltrack undo."
    )
    return 0


# -- export, import, save, delete --------------------------------------------------------------------------


def write_new_file(path: Path, text: str, *, force: bool) -> None:
    """Write `text` to `path` atomically and owner-only (0600); an existing file is kept unless `force`."""
    # heavy: tempfile
    import tempfile

    if path.is_dir():
        raise ValidationError(
            f"{path} is a folder: give a file name, like {path / 'template.toml'}", field="file"
        )

    if not path.parent.is_dir():
        raise ValidationError(f"there is no folder {path.parent}: create it first", field="file")
    refuse_unsafe_target(path)
    if path.exists() and not force:
        raise ValidationError(
            f"{path} already exists: choose another file name, or add --force to replace it", field="file"
        )
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the file appeared meanwhile: never overwrite without --force
            except FileExistsError:
                raise ValidationError(
                    f"{path} already exists: choose another file name, or add --force to replace it",
                    field="file",
                ) from None
            except OSError:
                os.replace(tmp, path)  # a file system without hard links
    finally:
        tmp.unlink(missing_ok=True)


def protocol_export(ctx: Context) -> int:
    a = ctx.args
    template = ctx.journal.protocol_template(a.name)
    text = _text_of(ctx, template)
    if a.file == "-":
        write_exact(text)
        return 0
    path = Path(a.file).expanduser()
    write_new_file(path, text, force=a.force)
    print(f"Wrote {template.name} to {path}. Edit it, then keep it with: rpltrack protocol import {path}")
    return 0


def _read_template_file(path: Path) -> str:
    if not path.is_file():
        raise ValidationError(f"there is no file at {path}", field="file")
    if path.stat().st_size > MAX_TEXT * 4:
        raise ValidationError(
            f"{path} is too large to be a template (at most {MAX_TEXT} characters)", field="file"
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{path} is not a UTF-8 text file, so not a template", field="file") from None


def protocol_import(ctx: Context) -> int:
    a = ctx.args
    path = Path(a.file).expanduser()
    text = _read_template_file(path)
    template = parse_template(text, source=path.name)
    if a.name.strip():
        template = replace(template, name=check_name(a.name))
        text = render_template(template)
    ctx.journal.save_protocol(template.name, text, ctx.now(), replace=a.replace)
    count = len(template.medications)
    print(f"Imported {template.name} ({template.title}): {count} medication{'s' if count != 1 else ''}.")
    if template.missing_doses:
        print("Your clinic's dose is given when applying it for: " + ", ".join(template.missing_doses) + ".")
    print(f"Apply it: rpltrack protocol apply {template.name} [--cycle ID]")
    return 0


def protocol_save(ctx: Context) -> int:
    a, journal, now, today = ctx.args, ctx.journal, ctx.now(), ctx.clock.today()
    cycle: Cycle | None
    if a.from_cycle is not None:
        cycle = journal.cycle(a.from_cycle)
        meds = [m for m in journal.medications() if m.cycle_id == cycle.id]
        if not meds:
            raise ValidationError(
                f"cycle {cycle.id} has no medications tied to its events (rpltrack med list --all)",
                field="from-cycle",
            )
        title = f"My regimen from cycle {cycle.id} ({CYCLE_KIND_WORDS[cycle.kind]}, CD1 {cycle.cd1})"
    else:
        cycle = found = journal.cycle_on(today)
        current = (MedicationState.ACTIVE, MedicationState.NOT_STARTED, MedicationState.WAITING)
        meds = [
            m
            for m in journal.medications(in_force_on=today)
            if m.state(now, today) in current
            and not (m.waiting and (found is None or m.cycle_id != found.id))
        ]
        if not meds:
            raise ValidationError(
                "you take no medications now: add them first, or save a finished cycle's with "
                "--from-cycle ID",
                field="name",
            )
        title = f"My regimen saved on {today}"
    for name in a.without:
        wanted = " ".join(name.split()).casefold()
        drug = catalog.lookup(wanted)
        kept = [m for m in meds if m.name.casefold() != wanted and not (drug and m.generic == drug.key)]
        if len(kept) == len(meds):
            names = ", ".join(m.name for m in meds)
            raise ValidationError(
                f"none of these medications is called {name.strip()!r} ({names})", field="without"
            )
        meds = kept
    kind = cycle.kind.value if cycle is not None and any(m.anchored for m in meds) else ""
    template, notes = template_from_medications(
        a.name,
        meds,
        title=a.title or title,
        note=f"Saved from your journal on {today}. Check it against your clinic's instructions for the "
        "next cycle.",
        cycle_kind=kind,
    )
    journal.save_protocol(template.name, render_template(template), now, replace=a.replace)
    names = ", ".join(e.name for e in template.medications)
    print(f"Saved {template.name}: {names}.")
    for note in notes:
        print(f"  note: {note}")
    print(f"Apply it to your next cycle: rpltrack protocol apply {template.name} --cycle ID")
    return 0


def protocol_delete(ctx: Context) -> int:
    deleted = ctx.journal.delete_protocol(ctx.args.name, ctx.now())
    print(f"Deleted your template {deleted.name}; the medications it added stay. Undo: rpltrack undo")
    return 0
