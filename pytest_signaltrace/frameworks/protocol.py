"""What one framework tells the core: its static catalogue, its runtime patches, its fixture needs.

A :class:`Framework` is plain data plus two small callables; the core reads it through the
registry of :mod:`pytest_signaltrace.frameworks` and never names a framework itself. Nothing here
imports a framework: classes are named by dotted paths and looked up in ``sys.modules``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from pytest_signaltrace.record import Record, field


class ArgSpec(Record):
    """Where ``receiver``, ``sender`` and ``dispatch_uid`` sit in a (dis)connect signature
    (positions after ``self``; the same names are looked up among the keyword arguments).
    ``dispatch_uid`` is ``None`` where the signature has none."""

    receiver: int
    sender: int
    dispatch_uid: int | None


def no_internal_files(module: ModuleType) -> list[str]:
    """The default of :attr:`SignalClass.internal_files`: only the class's own module."""
    return [module.__file__ or ""]


class SignalClass(Record):
    """One traced signal class: the module hooked after import and how its methods are patched.

    The trace replaces ``__init__`` (creation sites), :attr:`connect` and :attr:`disconnect`
    (connect sites), every name of :attr:`sync_sends` and :attr:`async_sends` the class defines,
    and :attr:`live_receivers` where the frames of a failed send cannot tell which receivers it
    had. The ``signals`` fixture wraps the same sends.
    """

    #: The module that defines the class, hooked with a post-import hook
    #: (:mod:`~pytest_signaltrace.trace.importhooks`).
    module: str
    #: The method every connect form ends in (a decorator returned by ``connect`` is left alone).
    connect: str
    connect_args: ArgSpec
    disconnect_args: ArgSpec
    disconnect: str = "disconnect"
    class_name: str = "Signal"
    #: ``send(self, sender, **named)``-like methods returning ``[(receiver, response), ...]``.
    sync_sends: tuple[str, ...] = ("send", "send_robust")
    #: Coroutine methods returning the same list.
    async_sends: tuple[str, ...] = ()
    #: The sends that catch a receiver's exception and return it in the list.
    robust_sends: frozenset[str] = frozenset({"send_robust"})
    #: The method listing the live receivers for a sender, patched only when needed.
    live_receivers: str | None = "_live_receivers"
    #: Files whose frames are never a connect or send site (the framework's own wrappers), from
    #: the hooked module.
    internal_files: Callable[[ModuleType], list[str]] = no_internal_files
    #: A function of the framework's files that replays a deferred connect already recorded.
    replayed_connect: str | None = None
    #: The attribute a framework's connect wrapper carries its generated (unstable) int uid in.
    generated_uid_attribute: str | None = None
    #: The dotted name of the framework's "any sender" marker, if it has one: a connect for it
    #: is recorded as a connect for no particular sender (as one whose sender is ``None``).
    any_sender: str | None = None
    #: Keyword arguments that are options of the send itself, never passed to the receivers:
    #: left out of what the ``signals`` fixture shows of a send.
    send_options: frozenset[str] = frozenset()

    def live_class(self) -> type | None:
        """The class if its module is imported (never imports it)."""
        module = sys.modules.get(self.module)
        cls = getattr(module, self.class_name, None) if module is not None else None
        return cls if isinstance(cls, type) else None


class BoundSends(Record):
    """Module globals bound at import to a signal's send: a class patch does not reach them.

    ``names`` maps each global (``send_prerun``) to the signal it sends (``celery.signals
    .task_prerun``); the trace rebinds the globals to the patched methods and the ``signals``
    fixture wraps them.
    """

    module: str
    names: Mapping[str, str]


def named_id(framework: str, name: str) -> str:
    """The id of the signal a framework knows by name in the whole process: ``blinker:n``."""
    return f"{framework}:{name}"


class QueryWatch(Record):
    """What :attr:`Framework.watch_queries` returns: the framework's database queries, counted
    for the receiver cost (``--signal-durations``)."""

    #: ``enter_thread()``: make the calling thread's queries call ``on_query()`` (again: nothing
    #: more); ``False`` when the framework cannot tell yet (not set up), to be asked again later.
    enter_thread: Callable[[], bool]
    #: ``close()``: take the counting out of every connection it was put in.
    close: Callable[[], None]


class Framework(Record):
    """Everything the core knows about one framework's signals."""

    #: The name shown in reports (``django``): the ``framework`` of its signals.
    name: str
    # --- the static catalogue -------------------------------------------------------------
    #: Dotted names of the classes whose instances are signals.
    signal_classes: frozenset[str]
    #: Dotted ids of the framework's own signals.
    builtin_signals: tuple[str, ...] = ()
    #: Public names that re-export a built-in signal -> its definition id.
    aliases: Mapping[str, str] = field(default_factory=dict)
    #: Modules that define built-in signals, most canonical first (a live signal held by
    #: several modules is named after the first).
    defining_modules: tuple[str, ...] = ()
    #: Top-level packages: a signal id under one is the framework's, and their installed source
    #: is never read (their signals are in this catalogue).
    packages: frozenset[str] = frozenset()
    # --- the names the scan looks for -----------------------------------------------------
    #: Dotted names of receiver decorators (``@receiver(sig)``).
    receiver_decorators: frozenset[str] = frozenset()
    #: Method names of a send (``sig.send(...)``).
    send_methods: tuple[str, ...] = ("send", "send_robust")
    #: Method names that connect a receiver (``sig.connect(fn)``, ``@sig.connect``).
    connect_methods: tuple[str, ...] = ("connect",)
    #: Method names returning a decorator that connects the function it decorates, the sender
    #: their first argument (``@sig.connect_via(app)``, ``sig.connect_via(app)(fn)``).
    connect_decorators: tuple[str, ...] = ()
    #: Method names that disconnect one.
    disconnect_methods: tuple[str, ...] = ("disconnect",)
    #: The framework's modules whose objects ``send`` but are no signals (its mail, its HTTP).
    lookalike_modules: tuple[str, ...] = ()
    #: Callables returning the one signal of a name in the whole process (``blinker.signal``):
    #: ``x = signal("n")`` anywhere is the one signal ``<framework>:n`` (:func:`named_id`).
    named_signals: frozenset[str] = frozenset()
    #: Classes whose instances make signals by name, with the method that does
    #: (``blinker.Namespace`` -> ``signal``): ``x = ns.signal("n")`` on an instance of the class
    #: or of a subclass defines a signal named where it is held (``module.x``), as ``Signal()``.
    signal_factories: Mapping[str, str] = field(default_factory=dict)
    #: Functions the framework wraps a receiver in when connecting it: the wrapper's
    #: ``__name__`` -> the closure variable holding the user's function (``functools.wraps``
    #: wrappers need none: their ``__wrapped__`` is followed).
    receiver_wrappers: Mapping[str, str] = field(default_factory=dict)
    # --- the runtime ----------------------------------------------------------------------
    #: The traced classes, in the order their modules are hooked.
    classes: tuple[SignalClass, ...] = ()
    #: Module globals bound to sends at import.
    bound_sends: tuple[BoundSends, ...] = ()
    #: ``signal_id(signal)``: the id of a live signal whose identity is not where it is held
    #: (a signal looked up by name, as blinker's ``signal("n")``: ``blinker:n``), else ``None``
    #: (named after the attribute holding it, as every Django and Celery signal).
    signal_id: Callable[[Any], str | None] | None = None
    # --- the ``signals`` fixture ----------------------------------------------------------
    #: ``mute(signal)``: no receiver of ``signal`` runs until the returned undo is called.
    #: ``None``: a dispatcher's way, its ``receivers`` list emptied for the block (the fixture's
    #: :mod:`~pytest_signaltrace.plugin.muting`, which nests), as for Django and Celery.
    mute: Callable[[Any], Callable[[], None]] | None = None
    # --- the receiver cost (``--signal-durations``) ----------------------------------------
    #: ``watch_queries(on_query)``: a :class:`QueryWatch` counting the framework's database
    #: queries (called only while durations are on), or ``None``: the framework has none.
    watch_queries: Callable[[Callable[[], None]], QueryWatch] | None = None

    def live_classes(self) -> tuple[type, ...]:
        """The framework's signal classes that are imported (never imports them)."""
        return tuple(cls for spec in self.classes if (cls := spec.live_class()) is not None)
