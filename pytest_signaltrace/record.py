"""Records: dataclasses whose methods are written once, here, instead of generated per class.

``@dataclass(frozen=True, order=True)`` compiles each method it adds (``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, four orderings, the frozen ``__setattr__``/``__delattr__``) with
``exec`` when the class is created, about 0.7 M instructions each: a traced run's test process
paid for about 300 of them. A :class:`Record` subclass inherits them from :class:`Record`,
driven by its fields (read once per class, from its annotations, without importing
:mod:`dataclasses`, and with it :mod:`inspect`: 40 M instructions of ``signaltrace run``'s
process). It is a dataclass all the same: ``dataclasses.fields``, ``replace``, ``asdict`` and
``is_dataclass`` work on it (its ``dataclasses.Field`` objects are made when first asked for),
and type checkers read it as one (:func:`typing.dataclass_transform`)::

    class Receiver(Record, ordered=True):
        path: str
        line: int
        kind: str = "connect"

behaves as ``@dataclass(frozen=True, order=True)`` did: the same ``__init__`` (positional and
keyword arguments, defaults, :func:`field` or ``dataclasses.field(default_factory=...)``),
equality and hash on the tuple of compared fields, ordering by that tuple (``ordered=True``),
the same ``repr``, and :class:`dataclasses.FrozenInstanceError` on assignment or deletion.
``frozen=False`` is a plain ``@dataclass``: mutable and unhashable.

The price is a slower ``__init__`` (about 10 k instructions a record against 3 to 7 k). A record
made once per file of a tree or per signal object writes its own ``__init__`` instead,
assigning each field into ``self.__dict__``; its signature must be the fields', in order, with
their defaults (``tests/test_record.py`` checks every record against its dataclass twin).
"""

from __future__ import annotations

import operator
import re
import reprlib
import sys
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, dataclass_transform, get_origin, overload

_REQUIRED: Any = object()  # an __init__ argument without a default
_FACTORY: Any = object()  # a default made by the field's default_factory
_MISSING: Any = object()  # no default, no factory (dataclasses.MISSING, without its import)
_T = TypeVar("_T")


class _Field:
    """One field of a record: its name, annotation and options (``dataclasses.Field``'s)."""

    __slots__ = ("compare", "default", "default_factory", "hash", "name", "repr", "type")

    def __init__(
        self,
        default: Any = _MISSING,
        default_factory: Any = _MISSING,
        repr: bool = True,
        hash: bool | None = None,
        compare: bool = True,
    ) -> None:
        if default is not _MISSING and default_factory is not _MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.type: Any = None
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.hash = hash
        self.compare = compare


@overload
def field(*, default: _T, compare: bool = ...) -> _T: ...
@overload
def field(*, default_factory: Callable[[], _T], compare: bool = ...) -> _T: ...
def field(
    *, default: Any = _MISSING, default_factory: Any = _MISSING, compare: bool = True
) -> Any:
    """A record's field with a default or a factory, as ``dataclasses.field`` (whose import,
    with :mod:`inspect`'s, costs a process about 40 M instructions) declares one:
    ``tests: list[str] = field(default_factory=list)``. A record takes ``dataclasses.field``
    too (for its other options)."""
    return _Field(default, default_factory, compare=compare)


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A function returning the values of ``names`` as a tuple (for any number of names)."""
    if len(names) > 1:
        return operator.attrgetter(*names)
    return lambda record: tuple(getattr(record, name) for name in names)


class _Layout:
    """What the methods of one record class need, read from its fields once."""

    def __init__(self, cls: type, fields: list[_Field], *, order: bool, frozen: bool) -> None:
        if hasattr(cls, "__post_init__"):
            raise TypeError(f"{cls.__qualname__}: a record has no __post_init__")
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
            if f.default is not _MISSING:
                self.template[f.name] = f.default
            elif f.default_factory is not _MISSING:
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


#: What an annotation that may not be a plain field holds (``ClassVar``, ``InitVar``,
#: ``KW_ONLY``, as a name or an attribute of a module).
_MAYBE_SPECIAL = re.compile(r"ClassVar|InitVar|KW_ONLY")
#: The head of a string annotation, as ``@dataclass`` reads it (``typing.ClassVar[int]``).
_HEAD = re.compile(r"^(?:\s*(\w+)\s*\.)?\s*(\w+)")


def _is_class_variable(cls: type, name: str, annotation: Any) -> bool:
    """Whether ``annotation`` makes ``name`` a class variable, not a field (``ClassVar``, as
    ``@dataclass`` reads a string annotation: by its head); ``InitVar`` and ``KW_ONLY`` are
    refused."""
    if isinstance(annotation, str):
        if not _MAYBE_SPECIAL.search(annotation):
            return False
        match = _HEAD.match(annotation)
        head = match.group(2) if match else ""
    elif annotation is ClassVar or get_origin(annotation) is ClassVar:
        return True
    else:
        head = type(annotation).__name__ if type(annotation).__module__ == "dataclasses" else ""
    if head == "ClassVar":
        return True
    if head in ("InitVar", "KW_ONLY", "_KW_ONLY_TYPE"):
        raise TypeError(f"{cls.__qualname__}.{name}: a record's fields are plain ones")
    return False


def _as_field(cls: type, name: str, annotation: Any, value: Any) -> _Field:
    """The field ``name`` of ``cls``, from its class attribute ``value`` (a default, a
    :func:`field`, a ``dataclasses.field`` or nothing), leaving the class attribute as
    ``@dataclass`` leaves it: the default, or none."""
    if isinstance(value, _Field):
        made = value
    else:
        dataclasses = sys.modules.get("dataclasses")
        if dataclasses is not None and isinstance(value, dataclasses.Field):
            if not value.init or value.kw_only is True:
                raise TypeError(f"{cls.__qualname__}.{name}: a record's fields are plain ones")
            made = _Field(
                _MISSING if value.default is dataclasses.MISSING else value.default,
                _MISSING if value.default_factory is dataclasses.MISSING
                else value.default_factory,
                value.repr,
                value.hash,
                value.compare,
            )  # fmt: skip
        else:
            made = _Field(value)
    if made.default is not _MISSING and type(made.default).__hash__ is None:
        raise ValueError(f"mutable default {type(made.default)} for field {name} is not "
                         "allowed: use default_factory")  # fmt: skip
    if value is not made.default:  # a field(...) in the class body
        if made.default is _MISSING:
            if value is not _MISSING:
                delattr(cls, name)
        else:
            setattr(cls, name, made.default)
    made.name = name
    made.type = annotation
    return made


def _fields(cls: type) -> dict[str, _Field]:
    """The fields of the record class ``cls``, by name, in ``@dataclass``'s order: those of
    its record bases first (a field declared again keeps its place), then its own."""
    fields: dict[str, _Field] = {}
    for base in reversed(cls.__mro__[1:]):
        inherited = base.__dict__.get("_record_fields")
        if inherited is not None:
            fields.update(inherited)
    # Its own, the dict itself: not inspect.get_annotations, whose import a process that only
    # writes a data file would pay for.
    annotations: dict[str, Any] = cls.__dict__.get("__annotations__") or {}  # noqa: RUF063
    for name, annotation in annotations.items():
        if not _is_class_variable(cls, name, annotation):
            fields[name] = _as_field(cls, name, annotation, cls.__dict__.get(name, _MISSING))
    return fields


class _DataclassFields:
    """``__dataclass_fields__`` of a record class, made when first asked for.

    A record is a dataclass to ``dataclasses.fields``, ``replace``, ``asdict`` and
    ``is_dataclass``: they read this attribute. Making its ``dataclasses.Field`` objects needs
    :mod:`dataclasses` (and :mod:`inspect`, which it imports): about 40 M instructions that a
    process which never asks (``signaltrace run``'s, a test run's end) does not pay.
    """

    def __get__(self, instance: Any, owner: type) -> dict[str, Any]:
        import dataclasses

        own: dict[str, _Field] = owner.__dict__["_record_fields"]
        namespace: dict[str, Any] = {"__annotations__": dict.fromkeys(own, object)}
        for name, f in own.items():
            options: dict[str, Any] = {"repr": f.repr, "hash": f.hash, "compare": f.compare}
            if f.default is not _MISSING:
                options["default"] = f.default
            if f.default_factory is not _MISSING:
                options["default_factory"] = f.default_factory
            namespace[name] = dataclasses.field(**options)
        # A plain class of the same fields, made a dataclass without methods: its Field
        # objects are what @dataclass would have given the record.
        twin: type = dataclasses.dataclass(init=False, repr=False, eq=False)(
            type(owner.__name__, (), namespace)
        )
        fields: dict[str, Any] = twin.__dict__["__dataclass_fields__"]
        for name, made in fields.items():
            made.type = own[name].type
        # On the class itself: asked again, it is a plain attribute.
        type.__setattr__(owner, "__dataclass_fields__", fields)
        type.__setattr__(owner, "__dataclass_params__", twin.__dict__["__dataclass_params__"])
        return fields


_LAZY_FIELDS = _DataclassFields()


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Record:
    """The base of the package's records (see the module's docstring).

    Class keywords: ``ordered=True`` adds the orderings (``@dataclass``'s ``order=True``, named
    otherwise so that type checkers take them from here); ``frozen=False`` makes the record
    mutable."""

    _record_layout: ClassVar[_Layout]
    _record_fields: ClassVar[dict[str, _Field]]

    def __init_subclass__(
        cls, *, ordered: bool = False, frozen: bool = True, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        fields = cls._record_fields = _fields(cls)
        cls._record_layout = _Layout(cls, list(fields.values()), order=ordered, frozen=frozen)
        # Each class its own, so that a subclass never answers with its base's fields.
        cls.__dataclass_fields__ = _LAZY_FIELDS  # type: ignore[attr-defined]
        if "__match_args__" not in cls.__dict__:  # as @dataclass sets it
            cls.__match_args__ = tuple(fields)  # type: ignore[misc,attr-defined]
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
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot delete field {name!r}")


_R = TypeVar("_R", bound=Record)


def field_names(cls: type[Record]) -> tuple[str, ...]:
    """The names of a record class's fields, in order (``dataclasses.fields``' names, without
    making its ``dataclasses.Field`` objects)."""
    return cls._record_layout.names


def replace(record: _R, /, **changes: Any) -> _R:
    """``record`` with ``changes`` to its fields, as ``dataclasses.replace`` makes it (without
    making the class's ``dataclasses.Field`` objects, nor importing :mod:`dataclasses`)."""
    values = {name: getattr(record, name) for name in record._record_layout.names}
    values.update(changes)
    return type(record)(**values)
