"""Records (``pytest_signaltrace/record.py``) behave as the ``@dataclass`` they replace, without
compiling a method at import.

Every record class of the package is checked against its twin: a ``@dataclass`` of the same
fields and options (``frozen``, ``order``), made with :func:`dataclasses.make_dataclass`.
"""

from __future__ import annotations

import builtins
import copy
import dataclasses
import importlib
import itertools
import operator
import pickle
import pkgutil
import tracemalloc
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

import pytest_signaltrace
from pytest_signaltrace.model import Receiver, StaticMap
from pytest_signaltrace.record import Record, field_names


def _every_record_class() -> list[type[Record]]:
    """Every subclass of :class:`Record` in the package (all its modules imported)."""
    for info in pkgutil.walk_packages(pytest_signaltrace.__path__, "pytest_signaltrace."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found: list[type[Record]] = []
    pending = list(Record.__subclasses__())
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("pytest_signaltrace."):
            found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: (cls.__module__, cls.__qualname__))


RECORDS = _every_record_class()


def _twin(cls: type[Record]) -> type:
    """The ``@dataclass`` that ``cls`` stands for."""
    specs = []
    for f in dataclasses.fields(cls):
        options: dict[str, Any] = {"compare": f.compare, "hash": f.hash, "repr": f.repr}
        if f.default is not dataclasses.MISSING:
            options["default"] = f.default
        if f.default_factory is not dataclasses.MISSING:
            options["default_factory"] = f.default_factory
        specs.append((f.name, f.type, dataclasses.field(**options)))
    layout = cls._record_layout
    twin = dataclasses.make_dataclass(cls.__name__, specs, frozen=layout.frozen, order=layout.order)
    twin.__qualname__ = cls.__qualname__
    return twin


def _values(cls: type, changed: int | None = None) -> list[int]:
    """A value for each field (ints: any two compare), the ``changed``-th one greater."""
    count = len(dataclasses.fields(cls))
    return [1 if index == changed else 0 for index in range(count)]


def _outcome(action: Callable[..., object], *args: Any, **kwargs: Any) -> object:
    """What ``action(*args, **kwargs)`` returns, or the type of what it raises."""
    try:
        return action(*args, **kwargs)
    except Exception as exc:
        return type(exc)


def test_the_package_has_records() -> None:
    names = {cls.__qualname__ for cls in RECORDS}
    assert {"Receiver", "ReceiverRow", "Report", "StaticMap", "Settings"} <= names
    assert len(RECORDS) > 40


@pytest.mark.parametrize("cls", RECORDS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_a_record_compares_hashes_sorts_and_prints_as_its_dataclass(cls: type[Record]) -> None:
    twin = _twin(cls)
    count = len(dataclasses.fields(cls))
    variants = [None, *range(count)]
    for left, right in itertools.product(variants, repeat=2):
        a, b = cls(*_values(cls, left)), cls(*_values(cls, right))
        ta, tb = twin(*_values(cls, left)), twin(*_values(cls, right))
        for compare in (
            operator.eq,
            operator.ne,
            operator.lt,
            operator.le,
            operator.gt,
            operator.ge,
        ):
            assert _outcome(compare, a, b) == _outcome(compare, ta, tb), compare
        assert _outcome(hash, a) == _outcome(hash, ta)
        assert repr(a) == repr(ta)
    assert (cls(*_values(cls)) == twin(*_values(cls))) is False  # another class: never equal
    assert dataclasses.is_dataclass(cls)
    assert [f.name for f in dataclasses.fields(cls)] == [f.name for f in dataclasses.fields(twin)]
    assert field_names(cls) == tuple(f.name for f in dataclasses.fields(twin))


@pytest.mark.parametrize("cls", RECORDS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_a_record_is_as_mutable_as_its_dataclass(cls: type[Record]) -> None:
    twin = _twin(cls)
    record, other = cls(*_values(cls)), twin(*_values(cls))
    name = dataclasses.fields(cls)[0].name
    assert _outcome(lambda: setattr(record, name, 5)) == _outcome(lambda: setattr(other, name, 5))
    assert _outcome(lambda: delattr(record, name)) == _outcome(lambda: delattr(other, name))
    assert _outcome(lambda: setattr(record, "extra", 1)) == _outcome(
        lambda: setattr(other, "extra", 1)
    )
    if cls._record_layout.frozen:
        with pytest.raises(
            dataclasses.FrozenInstanceError, match=f"cannot assign to field '{name}'"
        ):
            setattr(record, name, 7)


@pytest.mark.parametrize("cls", RECORDS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_a_record_takes_the_arguments_its_dataclass_takes(cls: type[Record]) -> None:
    twin = _twin(cls)
    fields = dataclasses.fields(cls)
    names = [f.name for f in fields]
    values = _values(cls)
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((*values,), {}),
        ((), dict(zip(names, values, strict=True))),
        ((*values[:1],), dict(zip(names[1:], values[1:], strict=True))),
        ((*values, 0), {}),  # one too many
        ((*values,), {names[0]: 0}),  # twice
        ((*values,), {"not_a_field": 0}),
        ((), {}),
    ]
    for index in range(len(names) + 1):  # every prefix: the defaults do the rest, or fail
        calls.append(((*values[:index],), {}))
    for args, kwargs in calls:
        made = _outcome(cls, *args, **kwargs)
        expected = _outcome(twin, *args, **kwargs)
        if isinstance(expected, type):
            assert made is expected, (args, kwargs)
        else:
            assert isinstance(made, cls)
            made_by = {f.name for f in fields if f.default_factory is not dataclasses.MISSING}
            assert {k: v for k, v in vars(made).items() if k not in made_by} == {
                k: v for k, v in vars(expected).items() if k not in made_by
            }
            assert list(vars(made)) == names  # the fields in order, as the generated __init__


def test_a_default_factory_makes_a_new_value_for_each_record() -> None:
    class Box(Record, frozen=False):
        """A test record."""

        items: list[int] = dataclasses.field(default_factory=list)

    first, second = Box(), Box()
    first.items.append(1)
    assert second.items == []
    assert Box([2]).items == [2]


def test_replace_asdict_copy_and_pickle_work_on_a_record() -> None:
    receiver = Receiver("shop/receivers.py", 3, "shop.signals.placed", "shop.on", "decorator")
    moved = dataclasses.replace(receiver, line=4)
    assert moved == Receiver("shop/receivers.py", 4, "shop.signals.placed", "shop.on", "decorator")
    assert dataclasses.asdict(moved)["line"] == 4
    assert dataclasses.astuple(moved)[:2] == ("shop/receivers.py", 4)
    assert copy.deepcopy(moved) == moved
    assert pickle.loads(pickle.dumps(moved)) == moved
    assert sorted([moved, receiver]) == [receiver, moved]
    empty = StaticMap("root", 0, 0)
    assert empty.dead_receivers == frozenset()
    with pytest.raises(TypeError, match="not supported"):
        _ = empty < empty  # not ordered, as @dataclass(frozen=True) was not
    assert len({receiver, moved, dataclasses.replace(moved)}) == 2


def test_a_record_class_compiles_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    real_exec = builtins.exec

    def counting_exec(source: Any, *args: Any) -> None:
        compiled.append(source)
        real_exec(source, *args)

    monkeypatch.setattr(builtins, "exec", counting_exec)

    @dataclasses.dataclass(frozen=True, order=True)
    class Generated:
        """Ten methods compiled."""

        name: str
        line: int = 0

    generated = len(compiled)  # ten execs up to Python 3.12, one (of all ten) from 3.13 on
    assert generated >= 1

    class Written(Record, ordered=True):
        """No method compiled."""

        name: str
        line: int = 0

    # no method compiled (from 3.13 on, @dataclass execs one empty function creator anyway)
    methods = ("__init__", "__repr__", "__eq__", "__lt__", "__hash__", "__setattr__")
    assert not any(name in source for source in compiled[generated:] for name in methods)
    assert Written("a") < Written("a", 1)


def test_a_record_class_keeps_its_argument_checks_small() -> None:
    """Every traced process creates some 60 record classes: the sets that check an
    ``__init__``'s arguments are made per count of positional arguments actually used, not for
    every count up front (which cost 300 kB of a traced run's peak memory)."""
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()

        class Wide(Record):
            """Forty fields."""

            f00: int
            f01: int = 0
            f02: int = 0
            f03: int = 0
            f04: int = 0
            f05: int = 0
            f06: int = 0
            f07: int = 0
            f08: int = 0
            f09: int = 0
            f10: int = 0
            f11: int = 0
            f12: int = 0
            f13: int = 0
            f14: int = 0
            f15: int = 0
            f16: int = 0
            f17: int = 0
            f18: int = 0
            f19: int = 0
            f20: int = 0
            f21: int = 0
            f22: int = 0
            f23: int = 0
            f24: int = 0
            f25: int = 0
            f26: int = 0
            f27: int = 0
            f28: int = 0
            f29: int = 0
            f30: int = 0
            f31: int = 0
            f32: int = 0
            f33: int = 0
            f34: int = 0
            f35: int = 0
            f36: int = 0
            f37: int = 0
            f38: int = 0
            f39: int = 0

        record = Wide(1, f39=2)
        made = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(True, "*pytest_signaltrace/record.py")]
        )
    finally:
        tracemalloc.stop()
    allocated = sum(stat.size_diff for stat in made.compare_to(before, "filename"))
    assert 0 < allocated < 12_000, allocated  # every count's sets up front: 68 kB
    assert (record.f00, record.f01, record.f39) == (1, 0, 2)
    with pytest.raises(TypeError, match="multiple values for argument 'f00'"):
        Wide(1, f00=2)
    with pytest.raises(TypeError, match="missing 1 required argument"):
        Wide(f01=1)


def test_a_record_refuses_what_it_could_not_do_as_a_dataclass() -> None:
    with pytest.raises(TypeError, match="follows default argument"):

        class Misordered(Record):
            """A required field after one with a default."""

            first: int = 0
            second: int

    with pytest.raises(TypeError, match="__post_init__"):

        class Checked(Record):
            """Not supported: a record's __init__ takes its fields only."""

            value: int

            def __post_init__(self) -> None:
                pass


def test_a_records_fields_keep_their_annotations_and_class_variables_are_no_fields() -> None:
    class Row(Record):
        counter: ClassVar[int] = 0
        path: str
        signal: str | None = None
        tests: tuple[str, ...] = ()

    # The module postpones annotations: each is its string, on the class and on its field.
    assert [(f.name, f.type) for f in dataclasses.fields(Row)] == [
        ("path", "str"),
        ("signal", "str | None"),
        ("tests", "tuple[str, ...]"),
    ]
    assert Row.__annotations__ == {
        "counter": "ClassVar[int]",
        "path": "str",
        "signal": "str | None",
        "tests": "tuple[str, ...]",
    }
    assert Row("a").signal is None
    assert Row.counter == 0
