"""`record` behaves as `dataclasses.dataclass` for everything rpltrack uses: the same class body, decorated
by each, gives the same answers to construction, defaults, equality, hashing, ordering, repr, freezing and
`replace`."""

from __future__ import annotations

import copy
import dataclasses
import math
import pickle
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from rpltrack.domain import records

# The runtime implementations (type checkers see the dataclasses originals under these names).
record: Any = records.record
field: Any = records.field
replace: Any = records.replace

Kit = tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]
KITS: dict[str, Kit] = {
    "record": (record, field, replace),
    "dataclass": (dataclasses.dataclass, dataclasses.field, dataclasses.replace),
}


def build(kit: Kit, *, frozen: bool = True, order: bool = False) -> dict[str, Any]:
    decorate, make_field, _ = kit

    @decorate(frozen=frozen, order=order)
    class Dose:
        LIMIT: ClassVar[int] = 3
        name: str
        amount: float = 1.0
        tags: list[str] = make_field(default_factory=list)
        note: str = make_field(default="", compare=False, repr=False)

        def __post_init__(self) -> None:
            if self.amount < 0:
                raise ValueError("amount must not be negative")

    @decorate(frozen=frozen, order=order)
    class Injection(Dose):
        site: str = "abdomen"
        amount: float = 40.0  # overrides keep the base's position

    return {"Dose": Dose, "Injection": Injection}


def outcome(action: Callable[[], object]) -> tuple[str, object]:
    try:
        return ("ok", action())
    except Exception as exc:  # the exception's type and text are part of the behaviour compared
        return (type(exc).__name__, str(exc))


@pytest.fixture(params=[True, False], ids=["frozen", "mutable"])
def pair(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    return build(KITS["record"], frozen=request.param), build(KITS["dataclass"], frozen=request.param)


CALLS: list[tuple[tuple[object, ...], dict[str, object]]] = [
    (("aspirin",), {}),
    (("aspirin", 81.0), {}),
    (("aspirin", 81.0, ["am"], "with food"), {}),
    ((), {"name": "aspirin", "note": "x"}),
    (("aspirin",), {"amount": 2.5, "tags": ["pm"]}),
    (("aspirin",), {"amount": -1.0}),  # __post_init__ refuses
]


@pytest.mark.parametrize(("args", "kwargs"), CALLS)
@pytest.mark.parametrize("cls", ["Dose", "Injection"])
def test_construction_repr_and_fields_match(pair, cls, args, kwargs) -> None:
    mine, theirs = (kinds[cls] for kinds in pair)
    a, b = outcome(lambda: mine(*args, **kwargs)), outcome(lambda: theirs(*args, **kwargs))
    assert a[0] == b[0]
    if a[0] != "ok":
        assert a[1] == b[1]
        return
    assert repr(a[1]) == repr(b[1])
    assert vars(a[1]) == vars(b[1])
    assert mine.__match_args__ == theirs.__match_args__


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((), {}),
        (("a", 1.0, [], "", "arm", "extra"), {}),
        (("a",), {"dose": 1}),
        (("a",), {"name": "b"}),
    ],
)
def test_bad_calls_are_type_errors_in_both(pair, args, kwargs) -> None:
    mine, theirs = pair[0]["Injection"], pair[1]["Injection"]
    for cls in (mine, theirs):
        with pytest.raises(TypeError):
            cls(*args, **kwargs)


def test_default_factories_give_each_instance_its_own_value() -> None:
    dose = build(KITS["record"])["Dose"]
    first, second = dose("a"), dose("b")
    first.tags.append("am")
    assert second.tags == []


def test_equality_and_hash_follow_the_compared_fields(pair) -> None:
    for kinds in pair:
        dose, injection = kinds["Dose"], kinds["Injection"]
        assert dose("a", 1.0, [], "one note") == dose("a", 1.0, [], "another note")  # note: compare=False
        assert dose("a", 1.0) != dose("a", 2.0)
        assert dose("a") != injection("a")  # another class never equals
        assert (dose("a") == "a") is False
        nan = dose("a", math.nan)
        assert nan == nan  # identical values compare equal, as in a tuple
    mine, theirs = pair[0]["Dose"], pair[1]["Dose"]
    if mine.__setattr__ is object.__setattr__:  # mutable: unhashable, like a dataclass with eq
        assert mine.__hash__ is None
        assert theirs.__hash__ is None
    else:
        assert hash(mine("a", 1.0, ("x",))) == hash(theirs("a", 1.0, ("x",)))  # the same tuple hash
        assert len({mine("a", 1.0, (), "n1"), mine("a", 1.0, (), "n2")}) == 1


def test_frozen_records_refuse_changes() -> None:
    dose = build(KITS["record"])["Dose"]("aspirin")
    with pytest.raises(AttributeError) as raised:
        dose.amount = 2.0
    assert isinstance(raised.value, records.FrozenInstanceError)
    with pytest.raises(AttributeError):
        del dose.name
    with pytest.raises(AttributeError):
        dose.other = 1
    assert dose.amount == 1.0


def test_mutable_records_accept_changes() -> None:
    dose = build(KITS["record"], frozen=False)["Dose"]("aspirin")
    dose.amount = 2.0
    assert dose.amount == 2.0


def test_order_compares_like_a_dataclass() -> None:
    mine = build(KITS["record"], order=True)["Dose"]
    theirs = build(KITS["dataclass"], order=True)["Dose"]
    values = [("b", 1.0), ("a", 2.0), ("a", 1.0), ("a", 1.0)]
    assert [(d.name, d.amount) for d in sorted(mine(*v) for v in values)] == [
        (d.name, d.amount) for d in sorted(theirs(*v) for v in values)
    ]
    assert mine("a") <= mine("a")
    assert mine("a") < mine("b")
    assert mine("b") >= mine("a")
    with pytest.raises(TypeError):
        _ = mine("a") < "b"


def test_replace_runs_init_again(pair) -> None:
    (mine, theirs), (kit_replace, dc_replace) = (
        (pair[0]["Injection"], pair[1]["Injection"]),
        (KITS["record"][2], KITS["dataclass"][2]),
    )
    a, b = kit_replace(mine("x"), site="thigh"), dc_replace(theirs("x"), site="thigh")
    assert repr(a) == repr(b)
    with pytest.raises(ValueError, match="negative"):
        kit_replace(mine("x"), amount=-1.0)
    with pytest.raises(TypeError):
        kit_replace(mine("x"), dose=1)


def test_replace_still_handles_a_plain_dataclass() -> None:
    theirs = build(KITS["dataclass"])["Dose"]
    assert replace(theirs("a"), amount=3.0) == theirs("a", 3.0)


def test_class_variables_and_defaults_stay_on_the_class() -> None:
    dose = build(KITS["record"])["Dose"]
    assert dose.LIMIT == 3
    assert "LIMIT" not in dose.__record_fields__
    assert dose.amount == 1.0
    assert dose.note == ""
    assert not hasattr(dose, "tags")  # a factory leaves no class attribute, as in dataclasses


def test_copy_and_pickle_keep_the_values() -> None:
    dose = build(KITS["record"])["Dose"]("aspirin", 81.0, ["am"], "note")
    assert copy.copy(dose) == dose
    assert copy.deepcopy(dose) == dose
    assert pickle.loads(pickle.dumps(_PICKLED)) == _PICKLED


def test_a_field_without_default_after_one_with_a_default_is_refused() -> None:
    with pytest.raises(TypeError, match="non-default argument"):

        @record
        class Bad:
            a: int = 1
            b: int


def test_a_record_may_not_extend_a_dataclass() -> None:
    @dataclasses.dataclass
    class Base:
        a: int

    with pytest.raises(TypeError, match="cannot extend"):

        @record
        class Child(Base):
            b: int = 0


@records.record(frozen=True)
class _Pickled:
    name: str
    amount: float = 1.0


_PICKLED = _Pickled("aspirin", 2.0)
