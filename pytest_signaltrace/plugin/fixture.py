"""The ``signals`` fixture: assertions on the signals a test sends, and muting.

It observes sends by wrapping the send methods of the registered frameworks' signal classes
(:mod:`pytest_signaltrace.frameworks`) for the test's duration, never by connecting a receiver:
``has_listeners()`` (which the ORM asks to choose its fast paths) answers as it would without the
fixture. It works with or without
``--signal-report`` (on top of the trace's own patches when they are there), keeps the calls
(senders, keyword arguments) only until the test ends, and restores every method it wrapped.

``muted(signal)`` empties the signal's receivers for the block, as factory_boy's
``mute_signals`` does: the sends still happen (and are observed and traced), no receiver runs
(see :mod:`.muting`; a framework whose signals are muted otherwise says how, see
:attr:`~pytest_signaltrace.frameworks.Framework.mute`). How a send is matched to an
expectation: :mod:`.matching`.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from pytest_signaltrace import frameworks
from pytest_signaltrace.frameworks import BoundSends, SignalClass
from pytest_signaltrace.plugin import muting
from pytest_signaltrace.plugin.matching import (
    Matcher,
    describe_expected,
    safe_repr,
)


@dataclass
class SentCall:
    """One send observed during the test."""

    signal: Any
    sender: Any
    #: The keyword arguments the signal was sent with (``sender`` aside).
    kwargs: dict[str, Any]
    #: ``send``, ``send_robust``, ``asend`` or ``asend_robust``.
    method: str
    #: The receivers that ran (``[]`` when none was connected, or the signal was muted).
    receivers: list[Any] = field(default_factory=list)
    #: ``[(receiver, response), ...]`` as the send returned it (``None`` when it raised).
    responses: list[tuple[Any, Any]] | None = None
    #: The exception the send raised, if it did.
    error: BaseException | None = None


class SignalsFixture:
    """What the ``signals`` fixture gives a test: the sends it saw, and assertions on them."""

    def __init__(self) -> None:
        self.calls: list[SentCall] = []
        self._lock = threading.Lock()

    def sent(self, signal: Any, *, sender: Any = ...) -> list[SentCall]:
        """The sends of ``signal`` so far (from ``sender``, when given: the sender itself, an
        equal value, a class it is an instance of, or a predicate), in order."""
        return self._sent(signal, sender, Matcher())

    def _sent(self, signal: Any, sender: Any, matcher: Matcher) -> list[SentCall]:
        return [
            call
            for call in self.calls
            if call.signal is signal
            and (sender is ... or matcher.matches(call.sender, sender, "sender"))
        ]

    def assert_sent(
        self, signal: Any, *, sender: Any = ..., times: int | None = None, **kwargs: Any
    ) -> list[SentCall]:
        """Fail unless ``signal`` was sent (``times`` times, when given) from ``sender`` with
        at least the keyword arguments ``kwargs``; returns the matching calls. ``sender`` and
        each keyword value may be a class (an instance matches) or a predicate."""
        matcher = Matcher()
        matching = [
            call
            for call in self._sent(signal, sender, matcher)
            if matcher.has_kwargs(call.kwargs, kwargs)
        ]
        if (times is None and matching) or (times is not None and len(matching) == times):
            return matching
        expected = "sent" if times is None else f"sent {_times(times)}"
        wanted = _describe_filter(sender, kwargs)
        lines = [
            f"expected {_name(signal)} {expected}{wanted}; it was sent {_times(len(matching))}"
        ]
        others = self.sent(signal)
        if others:
            lines.append(f"all sends of {_name(signal)}:")
            lines += [f"  - {_describe(call)}" for call in others]
        else:
            seen = sorted({_name(call.signal) for call in self.calls})
            lines.append(f"signals sent during the test: {', '.join(seen) or '(none)'}")
        lines += matcher.errors
        raise _failure(lines)

    def assert_not_sent(self, signal: Any, *, sender: Any = ...) -> None:
        """Fail if ``signal`` was sent (from ``sender``, when given)."""
        matcher = Matcher()
        calls = self._sent(signal, sender, matcher)
        if calls:
            lines = [f"expected {_name(signal)} not sent; it was sent {_times(len(calls))}:"]
            lines += [f"  - {_describe(call)}" for call in calls]
            raise _failure(lines + matcher.errors)

    @contextlib.contextmanager
    def muted(self, *signals: Any) -> Iterator[None]:
        """No receiver of ``signals`` runs inside the block; the sends are still observed.
        Blocks nest and overlap; connects and disconnects made inside are kept."""
        ways = [(signal, frameworks.own_mute(signal)) for signal in signals]
        with muting.muted(*[signal for signal, mute in ways if mute is None]):
            undo = []
            try:
                for signal, mute in ways:
                    if mute is not None:
                        undo.append(mute(signal))
                yield
            finally:
                for restore in reversed(undo):
                    restore()

    def _record(self, call: SentCall) -> None:
        with self._lock:
            self.calls.append(call)


@contextlib.contextmanager
def observing() -> Iterator[SignalsFixture]:
    """Wrap the send methods for the block; the fixture's calls are dropped after it."""
    fixture = SignalsFixture()
    undo: list[Callable[[], None]] = []
    try:
        for framework in frameworks.registered():
            for spec in framework.classes:
                cls = spec.live_class()
                if cls is not None:
                    undo += _wrap_class(cls, spec, fixture)
            for bound in framework.bound_sends:
                module = sys.modules.get(bound.module)
                if module is not None:
                    undo += _wrap_bound_sends(module, bound, fixture)
        yield fixture
    finally:
        for restore in reversed(undo):
            restore()
        fixture.calls.clear()  # keep no sender or instance alive after the test


def _wrap_class(cls: type, spec: SignalClass, fixture: SignalsFixture) -> list[Callable[[], None]]:
    undo: list[Callable[[], None]] = []
    for name in (*spec.sync_sends, *spec.async_sends):
        current = cls.__dict__.get(name)
        if current is None:
            continue
        if name in spec.sync_sends:
            wrapper = _sync_wrapper(current, name, fixture, spec.send_options)
        else:
            wrapper = _async_wrapper(current, name, fixture, spec.send_options)
        setattr(cls, name, wrapper)
        undo.append(_restorer(cls, name, current, wrapper))
    return undo


def _restorer(owner: Any, name: str, original: Any, wrapper: Any) -> Callable[[], None]:
    def restore() -> None:
        if vars(owner).get(name) is wrapper:  # nobody patched over us meanwhile
            setattr(owner, name, original)

    return restore


#: ``self`` not passed by position.
_NO_SELF: Any = object()


def _call(
    signal: Any, args: tuple[Any, ...], named: dict[str, Any], method: str, options: frozenset[str]
) -> SentCall:
    """The observed send of ``signal.<method>(*args, **named)``: its sender is the first
    positional argument, else the ``sender`` keyword, else ``None`` (a framework whose
    ``send()`` needs no sender); the send's own ``options`` are not among its arguments."""
    if args:
        sender, kwargs = args[0], named
    else:
        sender = named.get("sender")
        kwargs = {k: v for k, v in named.items() if k != "sender"}
    if options:
        kwargs = {k: v for k, v in kwargs.items() if k not in options}
    return SentCall(signal, sender, dict(kwargs), method)


def _sync_wrapper(
    original: Any, method: str, fixture: SignalsFixture, options: frozenset[str] = frozenset()
) -> Any:
    # ``original`` is called through the descriptor protocol: it may be a plain function or
    # another tool's wrapper object (the trace's own patch, a mock), bound the same way. The
    # arguments are forwarded as they came: a call the original refuses fails as without us.
    @functools.wraps(original)
    def send(self: Any = _NO_SELF, /, *args: Any, **named: Any) -> Any:
        if self is _NO_SELF:  # Signal.send(self=signal, sender=...)
            self = named.pop("self", _NO_SELF)
            if self is _NO_SELF:
                return original(*args, **named)  # refused as without the fixture
        call = _call(self, args, named, method, options)
        fixture._record(call)
        try:
            responses = original.__get__(self, type(self))(*args, **named)
        except BaseException as exc:
            call.error = exc
            raise
        _note_responses(call, responses)
        return responses

    return send


def _async_wrapper(
    original: Any, method: str, fixture: SignalsFixture, options: frozenset[str] = frozenset()
) -> Any:
    @functools.wraps(original)
    async def asend(self: Any, /, *args: Any, **named: Any) -> Any:
        call = _call(self, args, named, method, options)
        fixture._record(call)
        try:
            responses = await original.__get__(self, type(self))(*args, **named)
        except BaseException as exc:
            call.error = exc
            raise
        _note_responses(call, responses)
        return responses

    return asend


def _wrap_bound_sends(
    module: ModuleType, sends: BoundSends, fixture: SignalsFixture
) -> list[Callable[[], None]]:
    """Wrap the globals of ``module`` bound to a send at import: a class patch misses them."""
    undo: list[Callable[[], None]] = []
    for name, signal_id in sends.names.items():
        bound = module.__dict__.get(name)
        signal_module, _, signal_name = signal_id.rpartition(".")
        signal = getattr(importlib.import_module(signal_module), signal_name, None)
        if bound is None or signal is None:
            continue

        def send(
            sender: Any = None, _bound: Any = bound, _signal: Any = signal, **named: Any
        ) -> Any:
            call = SentCall(_signal, sender, dict(named), "send")
            fixture._record(call)
            responses = _bound(sender=sender, **named)
            _note_responses(call, responses)
            return responses

        setattr(module, name, send)
        undo.append(_restorer(module, name, bound, send))
    return undo


def _note_responses(call: SentCall, responses: Any) -> None:
    if isinstance(responses, list):
        call.responses = responses
        call.receivers = [pair[0] for pair in responses if isinstance(pair, tuple) and pair]


def _name(signal: Any) -> str:
    """The name a signal is known by: ``module.name`` of a module that holds it (a ``signals``
    module first), else its repr. Only computed for a failure message."""
    names = []
    for module_name, module in list(sys.modules.items()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for name, value in list(namespace.items()):
            if value is signal and not name.startswith("_"):
                names.append((not module_name.endswith("signals"), module_name, name))
    if not names:
        return safe_repr(signal)
    _, module_name, name = min(names)
    return f"{module_name}.{name}"


def _failure(lines: list[str]) -> BaseException:
    """A test failure showing ``lines`` only (no traceback into the fixture)."""
    import pytest

    return pytest.fail.Exception("\n".join(lines), pytrace=False)


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _describe_filter(sender: Any, kwargs: dict[str, Any]) -> str:
    parts = ([] if sender is ... else [f"sender={describe_expected(sender)}"]) + [
        f"{name}={describe_expected(value)}" for name, value in kwargs.items()
    ]
    return f" with {', '.join(parts)}" if parts else ""


def _describe(call: SentCall) -> str:
    arguments = ", ".join(
        [f"sender={safe_repr(call.sender)}"]
        + [f"{k}={safe_repr(v)}" for k, v in call.kwargs.items()]
    )
    ran = ", ".join(_handler_id(r) for r in call.receivers) or "none"
    return f"{call.method}({arguments}); receivers that ran: {ran}"


def _handler_id(receiver: Any) -> str:
    """The receiver's handler id, as the reports name it (``module.qualname`` of the function
    inside a bound method, a partial or a framework's wrapper): never calls into the receiver."""
    from pytest_signaltrace.trace.identity import describe_function, underlying_function

    return describe_function(underlying_function(receiver)).handler
