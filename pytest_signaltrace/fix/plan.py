"""What ``signaltrace fix`` changes: dead registrations, handler functions and unused signal
definitions, per file.

Only certain verdicts of the whole project's scan are acted on: a receiver the static map calls
dead (never "possibly dead"), outside test code, not excluded by a pragma, in a file that may be
rewritten; with a run's data (:mod:`.evidence`), only if the run agrees. A registration is
removed when every receiver on its line is dead; of ``@receiver([dead, live])`` only the dead
element goes. A handler function goes only when every registration of it goes and nothing else
names it (a call, an import, a reference, a string); the transform also keeps it when another
decorator (``@shared_task``) is on it. A signal definition goes only when the scan calls it
unused and its name appears nowhere else in the project.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import field

from pytest_signaltrace.fix.evidence import RunEvidence
from pytest_signaltrace.merge.merge import Exclusions
from pytest_signaltrace.model import Receiver, SignalStatus, StaticMap
from pytest_signaltrace.record import Record

#: A word of source text: a name is used elsewhere when it appears as one (code, strings,
#: comments alike: when unsure, keep).
_WORD = re.compile(r"\w+")


class FilePlan(Record, frozen=False):
    """The lines of one file to act on (1-based)."""

    path: str
    #: Decorator lines of dead ``@receiver``/``@sig.connect`` receivers.
    decorators: set[int] = field(default_factory=set)
    #: ``@receiver([a, b])`` lines of which only some signals are dead: line -> those signals.
    elements: dict[int, frozenset[str]] = field(default_factory=dict)
    #: Every signal registered on a line of :attr:`elements` (to tell its elements apart).
    element_signals: dict[int, frozenset[str]] = field(default_factory=dict)
    #: Lines of dead ``sig.connect(handler)`` calls.
    connects: set[int] = field(default_factory=set)
    #: ``def`` lines of handler functions to remove with their receiver.
    functions: set[int] = field(default_factory=set)
    #: Lines of unused signal definitions.
    definitions: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(
            self.decorators or self.elements or self.connects or self.functions or self.definitions
        )

    @property
    def findings(self) -> int:
        """How many registrations and definitions the plan removes (or marks)."""
        elements = sum(len(signals) for signals in self.elements.values())
        return len(self.decorators) + elements + len(self.connects) + len(self.definitions)


def plan_fixes(
    static: StaticMap,
    sources: Mapping[str, str],
    *,
    dead: bool = True,
    unused_signals: bool = False,
    evidence: RunEvidence | None = None,
    writable: Callable[[str], bool] = lambda path: True,
    blocked: Collection[tuple[str, int]] = (),
    unscanned: Collection[str] = (),
    exclude: Sequence[str] = (),
    pragma: bool = False,
) -> list[FilePlan]:
    """The plans of every file to change, sorted by path.

    ``static`` is the whole project's map; ``sources`` maps every project file to its text (to
    tell whether a name is used elsewhere); ``evidence``, a run's, vetoes anything the run saw
    alive and raises :class:`~.evidence.StaleEvidence` when it does not match the tree;
    ``writable`` says which files may change (the folder given, no symlink out of the tree);
    ``blocked`` holds places (path, line) to leave as they are (a form the transform does not
    rewrite): what depends on them stays too; ``unscanned`` names files of ``sources`` the scan
    did not read besides those it skipped (scripts without ``.py``): a signal they name is never
    called dead; ``exclude``, the configuration's receiver globs: receivers it leaves out of
    the numbers are left alone, as those marked with the pragma.
    """
    plans: dict[str, FilePlan] = defaultdict(lambda: FilePlan(""))
    places = _Places(writable, frozenset(blocked), Exclusions(tuple(exclude)))
    words = Counter(word for text in sources.values() for word in _WORD.findall(text))
    # A file the scan skipped (too large, unparsable) or never read may send anything it names.
    unread = [*unscanned, *(skipped.path for skipped in static.files_skipped)]
    unread_words = {word for path in unread for word in _WORD.findall(sources.get(path, ""))}
    if dead:
        _plan_dead(static, words, unread_words, evidence, places, plans, pragma=pragma)
    if unused_signals:
        _plan_unused(static, words, evidence, places, plans)
    return [plans[path] for path in sorted(plans) if plans[path]]


class _Places(Record):
    """Where the plan may change code."""

    writable: Callable[[str], bool]
    blocked: frozenset[tuple[str, int]]
    exclusions: Exclusions

    def may_change(self, path: str, line: int) -> bool:
        return (path, line) not in self.blocked and self.writable(path)

    def left_out(self, receiver: Receiver) -> bool:
        """Marked with the pragma, excluded by the configuration, or test code."""
        return (
            receiver.excluded
            or receiver.test_only
            or self.exclusions.matches(receiver.handler, receiver.path)
        )


def _plan(plans: dict[str, FilePlan], path: str) -> FilePlan:
    plan = plans[path]
    plan.path = path
    return plan


def _plan_dead(
    static: StaticMap,
    words: Counter[str],
    unscanned: set[str],
    evidence: RunEvidence | None,
    places: _Places,
    plans: dict[str, FilePlan],
    *,
    pragma: bool,
) -> None:
    by_site: dict[tuple[str, int], list[Receiver]] = defaultdict(list)
    for receiver in static.receivers:
        by_site[receiver.path, receiver.line].append(receiver)
    removed: set[tuple[str, int]] = set()
    for (path, line), receivers in sorted(by_site.items()):
        if not places.may_change(path, line) or any(places.left_out(r) for r in receivers):
            continue
        dead = [r for r in receivers if _dead(static, unscanned, evidence, r)]
        if not dead:
            continue
        first = receivers[0]
        if len(dead) == len(receivers):
            removed.add((path, line))
            plan = _plan(plans, path)
            (plan.decorators if first.kind == "decorator" else plan.connects).add(line)
        elif first.kind == "decorator" and not pragma:
            plan = _plan(plans, path)
            plan.elements[line] = frozenset(r.signal for r in dead if r.signal)
            plan.element_signals[line] = frozenset(r.signal for r in receivers if r.signal)
    for def_path, def_line in _removable_functions(static, words, evidence, places, removed):
        _plan(plans, def_path).functions.add(def_line)


def _made_by_name(signal: str) -> bool:
    """A signal id that is a name, not where it is held (``blinker:n``)."""
    return ":" in signal


def _dead(
    static: StaticMap, unscanned: set[str], evidence: RunEvidence | None, receiver: Receiver
) -> bool:
    """Certain dead: the static map says so, no file it skipped names the signal, and the
    run (if any) agrees. A signal made by name is never certain: installed code may make and
    send one of the same name."""
    if not static.is_dead(receiver) or not receiver.signal or _made_by_name(receiver.signal):
        return False
    if receiver.signal.rsplit(".", 1)[-1] in unscanned:
        return False
    return evidence is None or evidence.receiver_may_go(receiver)


def _removable_functions(
    static: StaticMap,
    words: Counter[str],
    evidence: RunEvidence | None,
    places: _Places,
    removed: set[tuple[str, int]],
) -> Iterable[tuple[str, int]]:
    """The handler functions every registration of which goes, that nothing else names."""
    registrations: dict[tuple[str, int], list[Receiver]] = defaultdict(list)
    by_handler: dict[str, list[Receiver]] = defaultdict(list)
    for receiver in static.receivers:
        by_handler[receiver.handler].append(receiver)
        if receiver.def_path and receiver.def_line:
            registrations[receiver.def_path, receiver.def_line].append(receiver)
    unresolved = {connect.handler for connect in static.unresolved_connects}
    for (def_path, def_line), receivers in sorted(registrations.items()):
        handler = receivers[0].handler
        everyone = {*receivers, *by_handler[handler]}
        if (
            not places.may_change(def_path, def_line)
            or "<" in handler
            or handler in unresolved
            or any((r.path, r.line) not in removed for r in everyone)
            or (evidence is not None and evidence.handler_ran(handler))
        ):
            continue
        name = handler.rsplit(".", 1)[-1]
        sites = {(r.path, r.line): r.code for r in everyone}
        allowed = 1 + sum(_WORD.findall(code).count(name) for code in sites.values())
        if name.isidentifier() and words[name] <= allowed:
            yield def_path, def_line


def _plan_unused(
    static: StaticMap,
    words: Counter[str],
    evidence: RunEvidence | None,
    places: _Places,
    plans: dict[str, FilePlan],
) -> None:
    definitions = {d.signal: d for d in static.definitions}
    for signal in static.signals:
        definition = definitions.get(signal.signal)
        if signal.status is not SignalStatus.UNUSED or definition is None:
            continue
        if _made_by_name(signal.signal):
            continue  # installed code may make and send one of the same name
        if definition.test_only or not places.may_change(definition.path, definition.line):
            continue
        # Imported, re-exported, named in __all__ or a string, used as a word anywhere: kept.
        name = signal.signal.rsplit(".", 1)[-1]
        if words[name] > 1:
            continue
        if evidence is not None and not evidence.signal_may_go(
            signal.signal, definition.path, definition.line
        ):
            continue
        _plan(plans, definition.path).definitions.add(definition.line)
