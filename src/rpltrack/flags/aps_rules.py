"""The APS loss-pattern rule (clinical-reference §2, §2c): a loss pattern that is one of the clinical criteria
for antiphospholipid syndrome, with the losses it counted listed by date and kind, and the antiphospholipid
results on file (or the question whether testing is appropriate when there are none)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rpltrack.domain.dating import format_ga
from rpltrack.domain.labcatalog import by_key
from rpltrack.domain.labs import LabResult, value_words
from rpltrack.domain.pregnancies import NOT_COUNTED, OUTCOME_WORDS, SPONTANEOUS_LOSSES, Outcome, Pregnancy
from rpltrack.flags import common
from rpltrack.flags.model import Flag, JournalSnapshot, Number, Unjudged
from rpltrack.flags.wording import history, plural

APS_CLINICAL_PATTERN = "aps-clinical-pattern"

EARLY_LOSS_DAYS = 10 * 7  # "before the 10th week" = < 10+0 w; 10+0 is "at or beyond" (§2a) [app convention]
PRETERM_BIRTH_DAYS = 34 * 7  # Sapporo (b): a birth before 34 weeks [S7]
# The laboratory criteria of §2a: lupus anticoagulant, anticardiolipin and anti-β2GPI (IgG and IgM).
APL_TESTS = ("la", "acl-igg", "acl-igm", "b2gpi-igg", "b2gpi-igm")
_NOT_RECORDED_EARLY = (Outcome.BIOCHEMICAL, Outcome.PUL)  # seen only on a pregnancy test, never on a scan

DESCRIPTIONS: dict[str, str] = {
    APS_CLINICAL_PATTERN: (
        "Looks for the loss patterns that are clinical criteria for antiphospholipid syndrome (revised "
        "Sapporo 2006 [S7]): 3 or more losses in a row before 10+0 weeks, or a loss at 10+0 weeks or later. "
        "Every loss before 10+0 weeks is counted, biochemical losses and pregnancies of unknown location "
        "included, and the flag lists each one it counted by date and kind, since criteria differ on those "
        "[app convention]. With lupus anticoagulant, anticardiolipin or anti-beta2-glycoprotein-I results on "
        "file, it lists them and asks how they fit the pattern and whether a repeat 12 weeks after any "
        "positive is needed. The 2023 ACR/EULAR criteria weigh these patterns differently [S8]; rpltrack "
        "does not classify. A birth before 34 weeks because of pre-eclampsia or placental insufficiency "
        "is also a criterion, but the journal does not record why a birth was early, so that part is not "
        "checked."
    ),
}


def _early_loss(p: Pregnancy) -> bool:
    """A spontaneous loss known to be before 10+0 weeks; a biochemical loss or PUL without a recorded age is
    early by its nature (as domain.pregnancies reads it for the first trimester)."""
    if p.outcome not in SPONTANEOUS_LOSSES:
        return False
    if p.ga_at_end_days is None:
        return p.outcome in _NOT_RECORDED_EARLY
    return p.ga_at_end_days < EARLY_LOSS_DAYS


def _fetal_death(p: Pregnancy) -> bool:
    """A spontaneous loss at or beyond 10+0 weeks (a stillbirth without a recorded age is one too)."""
    if p.outcome not in SPONTANEOUS_LOSSES:
        return False
    if p.ga_at_end_days is None:
        return p.outcome is Outcome.STILLBIRTH
    return p.ga_at_end_days >= EARLY_LOSS_DAYS


def _early_runs(history: Sequence[Pregnancy]) -> list[tuple[list[Pregnancy], bool]]:
    """Runs of losses in a row known to be before 10+0 weeks, each with whether an ectopic, molar pregnancy or
    termination sits inside it (those neither count nor break a run, §1). Any other ended pregnancy breaks it,
    including a loss whose age is not known to be early."""
    runs: list[tuple[list[Pregnancy], bool]] = []
    run: list[Pregnancy] = []
    uncounted = inside = False
    for p in history:
        if _early_loss(p):
            inside = inside or (uncounted and bool(run))
            run.append(p)
            uncounted = False
        elif p.outcome in NOT_COUNTED:
            uncounted = True
        elif p.outcome is not Outcome.ONGOING:
            if run:
                runs.append((run, inside))
            run, uncounted, inside = [], False, False
    if run:
        runs.append((run, inside))
    return runs


def _loss_words(p: Pregnancy) -> str:
    """'a miscarriage at 8w 2d on 2024-11-02', 'a biochemical pregnancy loss (no weeks recorded) on
    2025-05-21': one counted loss by kind and date."""
    words = OUTCOME_WORDS[p.outcome]
    if p.ga_at_end_days is not None:
        words += f" at {'about ' if p.approximate else ''}{format_ga(p.ga_at_end_days)}"
    else:
        words += " (no weeks recorded)"
    return f"a {words} on {p.sort_on.isoformat()}"


def _loss_numbers(run: Sequence[Pregnancy]) -> str:
    """'2024-11-02 miscarriage 8w 2d; 2025-05-21 biochemical': the counted losses for the flag's numbers."""
    parts = []
    for p in run:
        ga = f" {format_ga(p.ga_at_end_days)}" if p.ga_at_end_days is not None else ""
        parts.append(f"{p.sort_on.isoformat()} {p.outcome.value}{ga}")
    return "; ".join(parts)


def _apl_results(snap: JournalSnapshot) -> list[LabResult]:
    return common.results(snap, *APL_TESTS)


def _test_name(key: str) -> str:
    """The catalog name inside a sentence: 'Lupus anticoagulant' -> 'lupus anticoagulant', 'Anti-β2GPI IgG'
    -> 'anti-β2GPI IgG'; a name that starts with an abbreviation ('TSH') keeps its capitals."""
    name = by_key(key).name
    return name[0].lower() + name[1:] if name[1:2].islower() else name


def _result_words(result: LabResult) -> str:
    """'lupus anticoagulant positive on 2026-09-15 (on an anticoagulant)'."""
    words = f"{_test_name(result.test)} {value_words(result.value)} on {result.on.isoformat()}"
    if result.on_anticoagulant and result.test == "la":
        words += " (drawn while on an anticoagulant)"
    return words


def _ask(results: Sequence[LabResult]) -> str:
    if not results:
        return "Ask your care team whether antiphospholipid antibody testing is appropriate."
    names: list[str] = []
    for result in results:
        name = _test_name(result.test)
        if name not in names:
            names.append(name)
    return (
        f"Ask your care team how your antiphospholipid results ({', '.join(names)}) fit this pattern, and "
        "whether a repeat 12 weeks after any positive is needed."
    )


def aps_clinical_pattern(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """§2c: 3 or more losses in a row before 10+0 weeks, or a loss at 10+0 weeks or later, is one of the
    clinical criteria for APS (revised Sapporo 2006). The losses counted are listed by date and kind; with
    antiphospholipid results on file the question is about those results and their 12-week repeat (§2). A
    loss whose age is unknown, or a birth before 34 weeks whose cause the journal cannot hold, is reported as
    not judged when nothing else fires."""
    pregnancies = history(snap)
    qualifying = [(run, inside) for run, inside in _early_runs(pregnancies) if len(run) >= 3]
    fetal = [p for p in pregnancies if _fetal_death(p)]
    if not qualifying and not fetal:
        yield from _aps_unjudged(pregnancies)
        return
    parts: list[str] = []
    context: list[str] = []
    triggering: list[Pregnancy] = []
    branches: list[str] = []
    numbers: dict[str, Number] = {"early_run": 0, "fetal_deaths": len(fetal)}
    if qualifying:
        run, inside = qualifying[-1]
        branches.append("early-run")
        triggering.extend(run)
        not_seen = [p for p in run if p.outcome in _NOT_RECORDED_EARLY]
        numbers["early_run"] = len(run)
        numbers["early_run_from"] = run[0].sort_on.isoformat()
        numbers["early_run_to"] = run[-1].sort_on.isoformat()
        numbers["early_run_losses"] = _loss_numbers(run)
        numbers["early_run_biochemical"] = sum(p.outcome is Outcome.BIOCHEMICAL for p in run)
        numbers["early_run_pul"] = sum(p.outcome is Outcome.PUL for p in run)
        parts.append(f"{len(run)} losses in a row before 10 weeks: {', '.join(_loss_words(p) for p in run)}")
        if not_seen:
            kinds = [
                plural(n, one, many)
                for n, one, many in (
                    (numbers["early_run_biochemical"], "biochemical loss", "biochemical losses"),
                    (
                        numbers["early_run_pul"],
                        "pregnancy of unknown location",
                        "pregnancies of unknown location",
                    ),
                )
                if isinstance(n, int) and n
            ]
            context.append(
                f"rpltrack counts every loss before 10+0 weeks, including {' and '.join(kinds)} seen only "
                "on a pregnancy test [app convention]; criteria and clinics differ on whether such losses "
                "count, so your care team can judge from the list above."
            )
        context.append(
            "Under the 2023 ACR/EULAR criteria, 3 or more early losses in a row give 1 of the 3 clinical "
            "points needed [S8]; rpltrack does not classify."
        )
        if inside:
            context.append(
                "An ectopic or molar pregnancy or a termination sits between these losses; rpltrack neither "
                "counts it nor lets it break the run: ask your care team how it is counted."
            )
    if fetal:
        branches.append("fetal-death")
        triggering.extend(fetal)
        for p in fetal:
            at = f"at {format_ga(p.ga_at_end_days)} " if p.ga_at_end_days is not None else ""
            word = "a stillbirth" if p.outcome is Outcome.STILLBIRTH else "a loss"
            parts.append(f"{word} {at}on {p.sort_on.isoformat()}")
        numbers["latest_fetal_death_on"] = fetal[-1].sort_on.isoformat()
        numbers["latest_fetal_death_ga_days"] = fetal[-1].ga_at_end_days
        context.append(
            "Under the 2023 ACR/EULAR criteria, a fetal death at 10w 0d-15w 6d, or at 16w 0d-33w 6d without "
            "severe pre-eclampsia or placental insufficiency, gives 1 of the 3 clinical points needed [S8]; "
            "rpltrack does not classify."
        )
    detail = (
        "Your record shows a loss pattern that is one of the clinical criteria used for antiphospholipid "
        f"syndrome (revised Sapporo 2006): {' and '.join(parts)}."
    )
    results = _apl_results(snap)
    numbers["apl_results"] = len(results)
    if results:
        detail += f" Antiphospholipid results on file: {'; '.join(_result_words(r) for r in results)}."
        numbers["apl_tests"] = "; ".join(dict.fromkeys(r.test for r in results))
        numbers["latest_apl_result_on"] = max(r.on for r in results).isoformat()
        context.append(
            "A positive antiphospholipid result is confirmed by a repeat at least 12 weeks later [S7] [S9]; "
            "rpltrack shows when such a repeat is due (apl-repeat-due)."
        )
    context.append(
        "The criteria also ask that other causes be ruled out and that antiphospholipid antibody tests be "
        "positive twice, at least 12 weeks apart [S7]. rpltrack cannot know whether a loss was unexplained."
    )
    context.append("A loss at exactly 10w 0d counts as 'at or beyond the 10th week' [app convention].")
    context.append(
        "The journal does not record why a birth was early, so a birth before 34 weeks because of "
        "pre-eclampsia or placental insufficiency (another criterion) is not checked."
    )
    since = max(p.sort_on for p in triggering)
    yield Flag(
        rule=APS_CLINICAL_PATTERN,
        subject=f"{'+'.join(branches)}:{since.isoformat()}",
        title="A loss pattern used in the APS criteria",
        detail=detail,
        ask=_ask(results),
        numbers=numbers,
        sources=("S7", "S8", "S9") if results else ("S7", "S8"),
        since=since,
        context=tuple(context),
    )


def _aps_unjudged(pregnancies: Sequence[Pregnancy]) -> Iterator[Unjudged]:
    unknown = [
        p for p in pregnancies if p.outcome in SPONTANEOUS_LOSSES and not (_early_loss(p) or _fetal_death(p))
    ]
    if unknown:
        dates = ", ".join(p.sort_on.isoformat() for p in unknown)
        yield Unjudged(
            APS_CLINICAL_PATTERN,
            f"ga-unknown:{unknown[-1].sort_on.isoformat()}",
            f"{plural(len(unknown), 'loss', 'losses')} ({dates}) {'has' if len(unknown) == 1 else 'have'} "
            "no gestational age recorded. A loss at 10 weeks or later, or 3 or more losses in a row before "
            "10 weeks, is one of the clinical criteria used for antiphospholipid syndrome: add the "
            "gestational age (an estimate is fine) so rpltrack can check.",
            ("S7",),
        )
    for p in pregnancies:
        if (
            p.outcome is Outcome.LIVE_BIRTH
            and p.ga_at_end_days is not None
            and p.ga_at_end_days < PRETERM_BIRTH_DAYS
        ):
            yield Unjudged(
                APS_CLINICAL_PATTERN,
                f"preterm:{p.sort_on.isoformat()}",
                f"A birth at {format_ga(p.ga_at_end_days)} on {p.sort_on.isoformat()} is recorded. A "
                "birth before 34 weeks because of severe pre-eclampsia or placental insufficiency is "
                "one of the clinical criteria used for antiphospholipid syndrome; the journal does not "
                "record the cause, so rpltrack cannot check it.",
                ("S7",),
            )
