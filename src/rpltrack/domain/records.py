"""`record`: the dataclass decorator of the quick command paths, built without generating source code.

`dataclasses.dataclass` writes each class's `__init__`, `__repr__`, `__eq__`, `__hash__` and frozen
`__setattr__` as Python source and compiles it when the module is imported: about 0.15 ms a method, and
importing `dataclasses` pulls in `inspect` (about 8 ms). A `rpltrack today` imports some twenty of these
classes, so that was a fifth of its start-up. `record` gives the same classes the same behaviour from a few
shared functions instead, which cost nothing to set up. msgspec.Struct (class creation in C) was measured as
a replacement (2026-12, msgspec 0.23, CPython 3.11): `import msgspec` alone costs 19 ms against 12 ms for
`python -c pass`, as it imports typing, datetime and contextlib, while 100 records cost 8 ms in all; it also
has no per-field compare=False, which five fields here rely on. So records stay.

Type checkers see `record`, `field` and `replace` as the `dataclasses` originals (the names are bound to them
under TYPE_CHECKING), so every class is checked exactly as a dataclass would be. At run time the supported
subset is what rpltrack uses: `frozen`, `order`, `field(default=..., default_factory=..., compare=...,
repr=...)`, `__post_init__` and inheritance between records. tests/domain/test_records.py holds `record` to
the behaviour of `dataclasses.dataclass`, class by class. One difference nothing here relies on: `vars()` of a
record lists its fields in the order they were passed, not in the order they were declared.
"""

from __future__ import annotations

from operator import attrgetter

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from dataclasses import dataclass as record
    from dataclasses import field, replace
    from typing import Any, TypeVar

    T = TypeVar("T")

__all__ = ["FrozenInstanceError", "field", "record", "replace"]


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record (the same contract as dataclasses.FrozenInstanceError)."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """One field of a record: its name, default or default factory, and whether it counts in ==, hash and
    repr."""

    __slots__ = ("compare", "default", "default_factory", "name", "repr")

    def __init__(
        self,
        default: object = MISSING,
        default_factory: Callable[[], object] | Any = MISSING,
        compare: bool = True,
        repr: bool = True,  # the dataclasses keyword
    ) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.compare = compare
        self.repr = repr

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r}, compare={self.compare})"


if not TYPE_CHECKING:

    def field(
        *,
        default: object = MISSING,
        default_factory: Callable[[], object] | Any = MISSING,
        compare: bool = True,
        repr: bool = True,  # the dataclasses keyword
    ) -> Any:
        return Field(default=default, default_factory=default_factory, compare=compare, repr=repr)

    def record(cls: type[T] | None = None, /, *, frozen: bool = False, order: bool = False) -> Any:
        def wrap(cls: type[T]) -> type[T]:
            return _process(cls, frozen=frozen, order=order)

        return wrap if cls is None else wrap(cls)

    def replace(obj: T, /, **changes: object) -> T:
        """A copy of `obj` with `changes`, made through `__init__` (so `__post_init__` checks it again)."""
        fields: dict[str, Field] | None = getattr(type(obj), "__record_fields__", None)
        if fields is None:
            # heavy: dataclasses
            import dataclasses

            return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
        for name in changes:
            if name not in fields:
                raise TypeError(
                    f"{type(obj).__name__}.__init__() got an unexpected keyword argument {name!r}"
                )
        values = {name: getattr(obj, name) for name in fields}
        values.update(changes)
        return type(obj)(**values)


def _is_classvar(annotation: object) -> bool:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return isinstance(text, str) and (text.startswith(("ClassVar", "typing.ClassVar")) or text == "ClassVar")


def _process(cls: Any, *, frozen: bool, order: bool) -> Any:
    fields: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        if "__dataclass_fields__" in base.__dict__:
            raise TypeError(f"{cls.__name__}: a record cannot extend the dataclass {base.__name__}")
        fields.update(getattr(base, "__record_fields__", {}))
    # Not inspect.get_annotations: importing inspect is the cost this module avoids.
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063
        if _is_classvar(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        spec = value if isinstance(value, Field) else Field(default=value)
        spec.name = name
        fields[name] = spec
        if isinstance(value, Field):
            if spec.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, spec.default)
    _check_order(cls, fields)
    cls.__record_fields__ = fields
    cls.__match_args__ = tuple(fields)  # type: ignore[misc]  # mypy guards the name; dataclasses set it too
    cls.__init__ = _make_init(cls, fields)
    if "__repr__" not in cls.__dict__:
        cls.__repr__ = _make_repr(tuple(name for name, spec in fields.items() if spec.repr))
    compared = tuple(name for name, spec in fields.items() if spec.compare)
    if "__eq__" not in cls.__dict__:
        cls.__eq__ = _make_eq(compared)
    if frozen:
        if "__setattr__" in cls.__dict__ or "__delattr__" in cls.__dict__:
            raise TypeError(f"cannot overwrite attribute __setattr__ or __delattr__ in class {cls.__name__}")
        cls.__setattr__ = _frozen_setattr
        cls.__delattr__ = _frozen_delattr
        if "__hash__" not in cls.__dict__ or cls.__dict__["__hash__"] is None:
            cls.__hash__ = _make_hash(compared)
    elif "__hash__" not in cls.__dict__:
        cls.__hash__ = None  # like a dataclass with eq=True: unhashable unless frozen
    if order:
        for method, test in _ORDER.items():
            if method in cls.__dict__:
                raise TypeError(f"cannot overwrite attribute {method} in class {cls.__name__}")
            setattr(cls, method, _make_order(compared, test, method))
    return cls


def _check_order(cls: Any, fields: dict[str, Field]) -> None:
    seen_default = False
    for name, spec in fields.items():
        has_default = spec.default is not MISSING or spec.default_factory is not MISSING
        if seen_default and not has_default:
            raise TypeError(f"non-default argument {name!r} follows default argument in {cls.__name__}")
        seen_default = seen_default or has_default


def _make_init(cls: Any, fields: dict[str, Field]) -> Callable[..., None]:
    names = tuple(fields)
    known = frozenset(names)
    count = len(names)
    defaults = {name: spec.default for name, spec in fields.items() if spec.default is not MISSING}
    factories = {
        name: spec.default_factory for name, spec in fields.items() if spec.default_factory is not MISSING
    }
    label = f"{cls.__qualname__}.__init__()"
    post_init = hasattr(cls, "__post_init__")

    def complete(values: dict[str, object]) -> None:
        """Refuses unknown names, fills in defaults, refuses what is still missing (the slow path)."""
        for name in values:
            if name not in known:
                raise TypeError(f"{label} got an unexpected keyword argument {name!r}")
        missing = []
        for name in names:
            if name in values:
                continue
            if name in defaults:
                values[name] = defaults[name]
            elif name in factories:
                values[name] = factories[name]()
            else:
                missing.append(name)
        if missing:
            listed = ", ".join(repr(name) for name in missing)
            raise TypeError(f"{label} missing {len(missing)} required argument(s): {listed}")

    def __init__(self: Any, *args: object, **kwargs: object) -> None:
        if args:
            if len(args) > count:
                given = len(args) + 1
                raise TypeError(f"{label} takes {count + 1} positional arguments but {given} were given")
            values = dict(zip(names, args, strict=False))
            if kwargs:
                for name in kwargs:
                    if name in values:
                        raise TypeError(f"{label} got multiple values for argument {name!r}")
                values.update(kwargs)
        else:
            values = kwargs  # a new dict on every call: filling it in is safe
        if len(values) != count or not known.issuperset(values):
            complete(values)
        # Frozen records are filled through __dict__, as dataclasses fill theirs through object.__setattr__.
        self.__dict__.update(values)
        if post_init:
            self.__post_init__()

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _values(names: tuple[str, ...]) -> Callable[[Any], tuple[object, ...]]:
    """The named attributes of an object as a tuple (attrgetter returns a bare value for a single name)."""
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        (name,) = names
        return lambda obj: (getattr(obj, name),)
    return attrgetter(*names)


def _make_repr(shown: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{type(self).__qualname__}({inner})"

    return __repr__


def _make_eq(compared: tuple[str, ...]) -> Callable[[Any, object], bool]:
    values = _values(compared)

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        # Tuples, as dataclasses compare: an identical object equals itself even when it is a NaN.
        return values(self) == values(other)

    return __eq__


def _make_hash(compared: tuple[str, ...]) -> Callable[[Any], int]:
    values = _values(compared)

    def __hash__(self: Any) -> int:
        return hash(values(self))

    return __hash__


_ORDER: dict[str, Callable[[tuple[object, ...], tuple[object, ...]], bool]] = {
    "__lt__": lambda a, b: a < b,
    "__le__": lambda a, b: a <= b,
    "__gt__": lambda a, b: a > b,
    "__ge__": lambda a, b: a >= b,
}


def _make_order(
    compared: tuple[str, ...], test: Callable[[tuple[object, ...], tuple[object, ...]], bool], method: str
) -> Callable[[Any, object], Any]:
    values = _values(compared)

    def compare(self: Any, other: object) -> Any:  # a bool, or NotImplemented
        if other.__class__ is not self.__class__:
            return NotImplemented
        return test(values(self), values(other))

    compare.__name__ = method
    return compare


def _frozen_setattr(self: Any, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")
