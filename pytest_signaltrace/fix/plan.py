"""What ``signaltrace fix`` changes: dead receivers, unused signal definitions, per file.

Only certain verdicts are acted on: a receiver the static map calls dead (never "possibly
dead"), outside test code, not excluded by a pragma; with a run's data, only if it also never
ran and its signal was never sent at run time. A line is removed only when every receiver on it
is dead (``@receiver([dead, live])`` stays). A handler function goes too when nothing else in the
tree names it; otherwise only its decorator or ``connect`` call is removed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pytest_signaltrace.model import Receiver, ReceiverRow, ReceiverStatus, SignalStatus, StaticMap


@dataclass
class FilePlan:
    """The lines of one file to act on (1-based)."""

    path: str
    #: Decorator lines of dead ``@receiver``/``@sig.connect`` receivers.
    decorators: set[int] = field(default_factory=set)
    #: Lines of dead ``sig.connect(handler)`` calls.
    connects: set[int] = field(default_factory=set)
    #: ``def`` lines of handler functions to remove with their receiver.
    functions: set[int] = field(default_factory=set)
    #: Lines of unused signal definitions.
    definitions: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.decorators or self.connects or self.functions or self.definitions)


def plan_fixes(
    static: StaticMap,
    sources: Mapping[str, str],
    *,
    dead: bool = True,
    unused_signals: bool = False,
    runtime: Iterable[ReceiverRow] | None = None,
) -> list[FilePlan]:
    """The plans of every file to change, sorted by path.

    ``sources`` maps the map's paths to their text (to tell whether a handler is named
    elsewhere); ``runtime``, the merged report's receiver rows of a run, vetoes any receiver that
    ran or whose signal was sent.
    """
    plans: dict[str, FilePlan] = defaultdict(lambda: FilePlan(""))
    if dead:
        _plan_dead(static, sources, _vetoed(runtime), plans)
    if unused_signals:
        for signal in static.signals:
            if signal.status is not SignalStatus.UNUSED or signal.definition_path is None:
                continue
            definition = next(d for d in static.definitions if d.signal == signal.signal)
            if not definition.test_only and signal.definition_line is not None:
                _plan(plans, signal.definition_path).definitions.add(signal.definition_line)
    return [plans[path] for path in sorted(plans) if plans[path]]


def _plan(plans: dict[str, FilePlan], path: str) -> FilePlan:
    plan = plans[path]
    plan.path = path
    return plan


def _vetoed(runtime: Iterable[ReceiverRow] | None) -> set[tuple[str, int]] | None:
    """Receivers (path, line) a run shows are not dead; ``None`` without a run."""
    if runtime is None:
        return None
    return {(r.path, r.line) for r in runtime if r.calls or r.status is not ReceiverStatus.DEAD}


def _plan_dead(
    static: StaticMap,
    sources: Mapping[str, str],
    vetoed: set[tuple[str, int]] | None,
    plans: dict[str, FilePlan],
) -> None:
    by_line: dict[tuple[str, int], list[Receiver]] = defaultdict(list)
    for receiver in static.receivers:
        by_line[receiver.path, receiver.line].append(receiver)
    for (path, line), receivers in sorted(by_line.items()):
        if not all(_removable(static, r) for r in receivers):
            continue
        if vetoed is not None and (path, line) in vetoed:
            continue
        plan = _plan(plans, path)
        first = receivers[0]
        (plan.decorators if first.kind == "decorator" else plan.connects).add(line)
        if first.def_line and first.def_path and _unnamed_elsewhere(first, sources):
            _plan(plans, first.def_path).functions.add(first.def_line)


def _removable(static: StaticMap, receiver: Receiver) -> bool:
    return static.is_dead(receiver) and not receiver.test_only and not receiver.excluded


def _unnamed_elsewhere(receiver: Receiver, sources: Mapping[str, str]) -> bool:
    """Whether the handler's name appears nowhere but in its ``def`` (and its ``connect``)."""
    name = receiver.handler.rsplit(".", 1)[-1]
    if not name.isidentifier() or "<locals>" in receiver.handler:
        return False
    allowed = 1 if receiver.kind == "decorator" else 2
    word = re.compile(rf"\b{re.escape(name)}\b")
    return sum(len(word.findall(text)) for text in sources.values()) <= allowed
