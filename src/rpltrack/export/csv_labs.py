"""labs.csv and betas.csv (pure): each result as entered, its value and unit, and for betas the comparison
with the previous draw of the series."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from decimal import Decimal
from zoneinfo import ZoneInfo

from rpltrack.domain import labcatalog
from rpltrack.domain.betas import BetaDraw, BetaPair, Op, assess_series
from rpltrack.domain.labs import LabResult, LabTest, canonical, format_fraction
from rpltrack.domain.records import record
from rpltrack.export.csv_columns import Column, Table, day, dec, iso, local, table, whole, yes, zone_name
from rpltrack.export.csv_data import ExportData, between, cite, local_day

LABS = "labs.csv"
BETAS = "betas.csv"


def lab_test(key: str) -> LabTest | None:
    """The catalog test stored under `key`, or None for a test of her own."""
    try:
        return labcatalog.by_key(key)
    except KeyError:
        return None


def lab_name(key: str) -> str:
    test = lab_test(key)
    return test.name if test is not None else key


def op_text(op: Op) -> str:
    """A censored result's sign; "" for an exact one (a lone '=' would read as a formula)."""
    return "" if op is Op.EQ else op.value


def exact(op: Op, number: Decimal | None) -> str:
    """A number for a numeric column: only an exact value; a bound (<5, >10000) is not a number."""
    return dec(number) if op is Op.EQ else ""


def bound(op: Op, number: Decimal | None) -> str:
    """A censored value as the lab printed it, sign and number ('<0.01'); "" for an exact value."""
    return "" if op is Op.EQ or number is None else f"{op.value}{number:f}"


# -- labs -------------------------------------------------------------------------------------------------


@record(frozen=True)
class LabLine:
    result: LabResult
    test: LabTest | None
    zone: ZoneInfo

    @property
    def usual(self) -> str:
        """The value in the test's usual unit; "" for a bound, which is no value to convert."""
        value = self.result.value
        converted = canonical(self.test, value) if self.test is not None and value.op is Op.EQ else None
        return format_fraction(converted, 4) if converted is not None else ""

    @property
    def usual_unit(self) -> str:
        test = self.test
        return (test.canonical_unit or "") if test is not None and self.usual else ""


L = LabLine
DATE = Column[L]("Date", lambda r: day(r.result.on))
TEST = Column[L]("Test", lambda r: r.test.name if r.test is not None else r.result.test)
RESULT_ENTERED = Column[L]("Result (as entered)", lambda r: r.result.value.raw)
VALUE = Column[L]("Value", lambda r: exact(r.result.value.op, r.result.value.number), numeric=True)
LIMIT = Column[L]("Reported as a limit", lambda r: bound(r.result.value.op, r.result.value.number))
UNIT = Column[L]("Unit", lambda r: r.result.value.unit or "")
RESULT_TEXT = Column[L]("Result text", lambda r: r.result.value.text)
USUAL_VALUE = Column[L]("Value in the usual unit", lambda r: r.usual, numeric=True)
USUAL_UNIT = Column[L]("Usual unit", lambda r: r.usual_unit)
RANGE = Column[L](
    "Reference range (as printed)", lambda r: r.result.reference.raw if r.result.reference else ""
)
RANGE_LOW = Column[L](
    "Range low", lambda r: dec(r.result.reference.low) if r.result.reference else "", numeric=True
)
RANGE_HIGH = Column[L](
    "Range high", lambda r: dec(r.result.reference.high) if r.result.reference else "", numeric=True
)
ON_ANTICOAGULANT = Column[L]("On an anticoagulant", lambda r: yes(r.result.on_anticoagulant))
UNUSUAL = Column[L]("Unusual value, checked", lambda r: yes(r.result.confirmed_unusual))
LABORATORY = Column[L]("Laboratory", lambda r: r.result.lab)
NOTE = Column[L]("Note", lambda r: r.result.note)
TEST_KEY = Column[L]("Test key", lambda r: r.result.test)
ENTERED_AT = Column[L]("Entered at (ISO 8601)", lambda r: iso(r.result.created_at, r.zone))
LAB_ID = Column[L]("Lab ID", lambda r: whole(r.result.id), numeric=True)

LAB_COLUMNS = (
    DATE,
    TEST,
    RESULT_ENTERED,
    VALUE,
    LIMIT,
    UNIT,
    RESULT_TEXT,
    USUAL_VALUE,
    USUAL_UNIT,
    RANGE,
    RANGE_LOW,
    RANGE_HIGH,
    ON_ANTICOAGULANT,
    UNUSUAL,
    LABORATORY,
    NOTE,
    TEST_KEY,
    ENTERED_AT,
    LAB_ID,
)


def labs_table(data: ExportData) -> Table:
    lines = (
        LabLine(result, lab_test(result.test), data.zone) for result in data.labs if between(data, result.on)
    )
    return table(LABS, LAB_COLUMNS, lines)


# -- betas ------------------------------------------------------------------------------------------------


@record(frozen=True)
class BetaLine:
    """A draw and its comparison with the previous draw of its series (None for the first)."""

    draw: BetaDraw
    pair: BetaPair | None
    zone: ZoneInfo
    minimum_source: str = ""  # the citation of the minimum rise's source


B = BetaLine
DRAWN_AT = Column[B]("Drawn at (ISO 8601)", lambda r: iso(r.draw.drawn_at, r.zone))
DRAWN_LOCAL = Column[B]("Drawn at (local)", lambda r: local(r.draw.drawn_at, r.zone))
PRINTED = Column[B]("Value (as printed)", lambda r: str(r.draw.value))
HCG = Column[B]("hCG", lambda r: exact(r.draw.value.op, r.draw.value.value), unit="mIU/mL", numeric=True)
HCG_LIMIT = Column[B](
    "hCG reported as a limit", lambda r: bound(r.draw.value.op, r.draw.value.value), unit="mIU/mL"
)
BETA_ENTERED = Column[B]("Result (as entered)", lambda r: r.draw.value.raw)
BETA_LABORATORY = Column[B]("Laboratory", lambda r: r.draw.lab)
HOURS = Column[B]("Hours since previous draw", lambda r: dec(r.pair.hours) if r.pair else "", numeric=True)
CHANGE = Column[B](
    "Change since previous", lambda r: dec(r.pair.change_percent) if r.pair else "", unit="%", numeric=True
)
RISE_48H = Column[B](
    "Rise per 48 h", lambda r: dec(r.pair.rise_48h_percent) if r.pair else "", unit="%", numeric=True
)
FALL = Column[B](
    "Fall since previous", lambda r: dec(r.pair.fall_percent) if r.pair else "", unit="%", numeric=True
)
DOUBLING = Column[B](
    "Doubling time", lambda r: dec(r.pair.doubling_hours) if r.pair else "", unit="hours", numeric=True
)
MINIMUM = Column[B](
    "Minimum expected rise per 48 h",
    lambda r: dec(r.pair.minimum.percent) if r.pair and r.pair.minimum else "",
    unit="%",
    numeric=True,
)
MINIMUM_SOURCE = Column[B]("Minimum rise source", lambda r: r.minimum_source)
MINIMUM_SOURCE_ID = Column[B](
    "Minimum rise source ID", lambda r: r.pair.minimum.source if r.pair and r.pair.minimum else ""
)
MINIMUM_BASIS = Column[B](
    "Minimum rise basis", lambda r: r.pair.minimum.label if r.pair and r.pair.minimum else ""
)
VERDICT = Column[B]("Verdict", lambda r: r.pair.verdict.value if r.pair else "")
DIFFERENT_LABS = Column[B]("Different laboratories", lambda r: yes(r.pair.different_labs) if r.pair else "")
BETA_UNUSUAL = Column[B]("Unusual value, checked", lambda r: yes(r.draw.unusual))
BETA_ZONE = Column[B]("Time zone", lambda r: zone_name(r.draw.drawn_at))
BETA_CYCLE_ID = Column[B]("Cycle ID", lambda r: whole(r.draw.cycle_id), numeric=True)
BETA_ID = Column[B]("Beta ID", lambda r: whole(r.draw.id), numeric=True)

BETA_COLUMNS = (
    DRAWN_AT,
    DRAWN_LOCAL,
    PRINTED,
    HCG,
    HCG_LIMIT,
    BETA_ENTERED,
    BETA_LABORATORY,
    HOURS,
    CHANGE,
    RISE_48H,
    FALL,
    DOUBLING,
    MINIMUM,
    MINIMUM_SOURCE,
    MINIMUM_BASIS,
    VERDICT,
    DIFFERENT_LABS,
    BETA_UNUSUAL,
    BETA_ZONE,
    MINIMUM_SOURCE_ID,
    BETA_CYCLE_ID,
    BETA_ID,
)


def _beta_lines(data: ExportData) -> Iterator[BetaLine]:
    # Keyed by the draw object: assess_series pairs the very objects it is given.
    pairs: dict[int, BetaPair] = {id(pair.second): pair for pair in assess_series(list(data.betas))}
    for draw in sorted(data.betas, key=lambda d: (d.drawn_at.astimezone(UTC), d.id or 0)):
        if between(data, local_day(draw.drawn_at, data.zone)):
            pair = pairs.get(id(draw))
            source = cite(data, pair.minimum.source) if pair and pair.minimum else ""
            yield BetaLine(draw, pair, data.zone, source)


def betas_table(data: ExportData) -> Table:
    """Each draw; the columns after the laboratory compare it with the previous draw of its series."""
    return table(BETAS, BETA_COLUMNS, _beta_lines(data))
