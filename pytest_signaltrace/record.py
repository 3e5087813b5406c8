"""Records: dataclasses whose methods are written once, here, instead of generated per class.

``@dataclass(frozen=True, order=True)`` writes each method it adds as source text and compiles it
with ``exec`` when the class is created: ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
four orderings and the frozen ``__setattr__``/``__delattr__``, about 0.7 M instructions each.
Every process that imports the package's records paid that, ten methods per ordered record (a
traced run's test process about 300 of them). A :class:`Record` subclass is a dataclass all the
same (``dataclasses.fields``, ``replace``, ``asdict`` and ``is_dataclass`` work on it, and type
checkers read it as one: :func:`typing.dataclass_transform`), whose methods it inherits from
:class:`Record`, driven by its fields (read once per class):

    class Receiver(Record, ordered=True):
        path: str
        line: int
        kind: str = "connect"

behaves as ``@dataclass(frozen=True, order=True)`` did: the same ``__init__`` (positional and
keyword arguments, defaults, ``field(default_factory=...)``), equality and hash on the tuple of
compared fields, ordering by that tuple (``ordered=True``; without it ``<`` raises ``TypeError``),
the same ``repr``, and :class:`dataclasses.FrozenInstanceError` on assignment or deletion.
``frozen=False`` is a plain ``@dataclass``: mutable and unhashable.

The price is a slower ``__init__`` (about 10 k instructions a record against 3 to 7 k generated).
A record made once per file of a tree (the scan's byte facts, units and names) or per signal
object writes its own ``__init__`` instead, assigning each field into ``self.__dict__``: about
half the generated frozen one's cost, compiled into the module's bytecode once. Its signature
must be the fields', in order, with their defaults (``tests/test_record.py`` checks every record
against its dataclass twin). The classes made by the thousand in a run that stay plain
``@dataclass`` are the scan's lines and files and the fixture's calls.
"""

from __future__ import annotations

import dataclasses
import operator
import re
import reprlib
from collections.abc import Callable
from typing import Any, ClassVar, dataclass_transform

_REQUIRED: Any = object()  # an __init__ argument without a default
_FACTORY: Any = object()  # a default made by the field's default_factory


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A function returning the values of ``names`` as a tuple (for any number of names)."""
    if len(names) > 1:
        return operator.attrgetter(*names)
    return lambda record: tuple(getattr(record, name) for name in names)


class _Layout:
    """What the methods of one record class need, read from its fields once."""

    def __init__(self, cls: type, *, order: bool, frozen: bool) -> None:
        if hasattr(cls, "__post_init__"):
            raise TypeError(f"{cls.__qualname__}: a record has no __post_init__")
        fields = dataclasses.fields(cls)
        self.order = order
        self.frozen = frozen
        self.names = tuple(f.name for f in fields)
        self.name_set = frozenset(self.names)
        #: Every field, in order, to its default (or a marker: required, made by a factory).
        self.template: dict[str, Any] = {}
        #: How many fields are required: the first ones (a required one after a default is
        #: refused, as @dataclass refuses it).
        self.required = 0
        self.factories: list[tuple[str, Callable[[], Any]]] = []
        for f in fields:
            if not f.init or f.kw_only:
                raise TypeError(f"{cls.__qualname__}.{f.name}: a record's fields are plain ones")
            if f.default is not dataclasses.MISSING:
                self.template[f.name] = f.default
            elif f.default_factory is not dataclasses.MISSING:
                self.template[f.name] = _FACTORY
                self.factories.append((f.name, f.default_factory))
            elif len(self.template) > self.required:
                raise TypeError(f"{cls.__qualname__}: non-default argument {f.name!r} follows "
                                "default argument")  # fmt: skip
            else:
                self.template[f.name] = _REQUIRED
                self.required += 1
        self.compared = _getter(tuple(f.name for f in fields if f.compare))
        self.hashed = _getter(
            tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
        )
        self.shown = tuple(f.name for f in fields if f.repr)
        # Per count of positional arguments, made when first used: a class's records come with
        # one or two counts, and every count's sets made up front cost kilobytes per class.
        self._leading: dict[int, frozenset[str]] = {}
        self._required_after: dict[int, frozenset[str]] = {}

    def leading(self, count: int) -> frozenset[str]:
        """The fields ``count`` positional arguments give."""
        names = self._leading.get(count)
        if names is None:
            names = self._leading[count] = frozenset(self.names[:count])
        return names

    def required_after(self, count: int) -> frozenset[str]:
        """The required fields ``count`` positional arguments leave to keywords."""
        names = self._required_after.get(count)
        if names is None:
            names = self._required_after[count] = frozenset(self.names[count : self.required])
        return names

    def accepts(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        """Whether a generated ``__init__`` would take these arguments (set operations only:
        this runs for every record made with keywords)."""
        given, count = kwargs.keys(), len(args)
        return (
            count <= len(self.names)
            and given <= self.name_set
            and given.isdisjoint(self.leading(count))
            and given >= self.required_after(count)
        )

    def refuse(self, cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> TypeError:
        """The ``TypeError`` a generated ``__init__`` raises for arguments it does not take."""
        names, given = self.names, kwargs.keys()
        if len(args) > len(names):
            problem = f"takes {len(names) + 1} positional arguments but {len(args) + 1} were given"
        elif not given <= self.name_set:
            problem = f"got an unexpected keyword argument {min(given - self.name_set)!r}"
        elif not given.isdisjoint(self.leading(len(args))):
            problem = f"got multiple values for argument {min(given & self.leading(len(args)))!r}"
        else:
            missing = [name for name in names[len(args) : self.required] if name not in given]
            problem = (
                f"missing {len(missing)} required argument(s): {', '.join(map(repr, missing))}"
            )
        return TypeError(f"{cls.__qualname__}.__init__() {problem}")


def _as_dataclass(cls: type) -> None:
    """Make ``cls`` a dataclass (fields only: the methods are :class:`Record`'s).

    ``@dataclass`` matches every string annotation (``from __future__ import annotations``)
    against three regular expressions, to tell ``ClassVar``, ``InitVar`` and ``KW_ONLY`` apart:
    most of the cost of creating a record class, paid by every traced process for each of its
    dozens of records. The fields' annotations that cannot be one of those are shown to it as
    ``object`` for the time of the call, and their fields get the strings back.
    """
    # Its own, the dict itself (put back after the call); not inspect.get_annotations, whose
    # import a process that only writes a data file would pay for.
    annotations: dict[str, Any] = cls.__dict__.get("__annotations__") or {}  # noqa: RUF063
    if not annotations:
        dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
        return
    plain = {
        name: object if type(value) is str and not _MAYBE_SPECIAL.search(value) else value
        for name, value in annotations.items()
    }
    cls.__annotations__ = plain
    try:
        dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
    finally:
        cls.__annotations__ = annotations
    for f in cls.__dict__["__dataclass_fields__"].values():
        if f.name in annotations:
            f.type = annotations[f.name]


#: What an annotation that ``@dataclass`` must look at holds (``ClassVar``, ``InitVar``,
#: ``KW_ONLY``, as a name or an attribute of a module).
_MAYBE_SPECIAL = re.compile(r"ClassVar|InitVar|KW_ONLY")


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
class Record:
    """The base of the package's records (see the module's docstring).

    Class keywords: ``ordered=True`` adds the orderings (``@dataclass``'s ``order=True``, named
    otherwise so that type checkers take them from here); ``frozen=False`` makes the record
    mutable."""

    _record_layout: ClassVar[_Layout]

    def __init_subclass__(
        cls, *, ordered: bool = False, frozen: bool = True, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        _as_dataclass(cls)
        cls._record_layout = _Layout(cls, order=ordered, frozen=frozen)
        if not frozen:  # as @dataclass: mutable, compared by value, so unhashable
            cls.__hash__ = None  # type: ignore[assignment]
            cls.__setattr__ = object.__setattr__  # type: ignore[method-assign,assignment]
            cls.__delattr__ = object.__delattr__  # type: ignore[method-assign]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        layout = self._record_layout
        if not (
            layout.accepts(args, kwargs)
            if kwargs
            else layout.required <= len(args) <= len(layout.names)
        ):
            raise layout.refuse(type(self), args, kwargs)
        values = layout.template.copy()
        values.update(zip(layout.names, args, strict=False))  # the first len(args) fields
        if kwargs:
            values.update(kwargs)
        for name, factory in layout.factories:
            if values[name] is _FACTORY:
                values[name] = factory()
        # The fields have no descriptors, so this is what the generated __init__ did field by
        # field through object.__setattr__ (which a frozen record's own __setattr__ refuses).
        self.__dict__.update(values)

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._record_layout.shown)
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            compared = self._record_layout.compared
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._record_layout.hashed(self))

    def __lt__(self, other: Any) -> bool:
        if other.__class__ is self.__class__ and self._record_layout.order:
            compared = self._record_layout.compared
            return compared(self) < compared(other)
        return NotImplemented

    def __le__(self, other: Any) -> bool:
        if other.__class__ is self.__class__ and self._record_layout.order:
            compared = self._record_layout.compared
            return compared(self) <= compared(other)
        return NotImplemented

    def __gt__(self, other: Any) -> bool:
        if other.__class__ is self.__class__ and self._record_layout.order:
            compared = self._record_layout.compared
            return compared(self) > compared(other)
        return NotImplemented

    def __ge__(self, other: Any) -> bool:
        if other.__class__ is self.__class__ and self._record_layout.order:
            compared = self._record_layout.compared
            return compared(self) >= compared(other)
        return NotImplemented

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
