"""Cascades at run time: a send made while a receiver runs is an edge receiver -> signal.

The send patches count every traced send in a per-thread depth (:mod:`.nesting`); only a send
that finds another running in its thread (or an ``asend`` in flight) comes here, so a send
outside any receiver costs nothing more. :meth:`CascadeLog.nested` then walks the frames out from
the caller to the enclosing dispatcher (a frame of a patched ``send*``): the frame the dispatcher
called runs the receiver. Its handler is the one whose code the recorder knows (by ``id`` of the
code, as the send patches know it; a few frames in as well, for a ``functools.wraps`` decorator
or a framework's wrapper), else described from that frame's code. No receiver is wrapped, no
spy is added, nothing the send returns changes.

An async receiver runs in a task, not under the dispatcher's frame: an ``asend`` leaves its
chain in :data:`~.nesting.ASEND_CHAIN`, which the tasks of its receivers see, and the receiver
is the first frame out from the caller whose code is a known handler.

The deepest chain (signal -> receiver -> signal ...) is walked in full only when a send is
deeper than every one seen before, or as deep and in a test not noted yet; it keeps the tests
it was seen in (:data:`~.cascade_keys.CHAINS_KEPT` chains at most).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from types import CodeType, FrameType
from typing import Any

from pytest_signaltrace.trace.cascade_keys import CHAINS_KEPT, CascadeKey, ChainKey
from pytest_signaltrace.trace.counters import Counter, bump, count_of
from pytest_signaltrace.trace.faults import FaultLog
from pytest_signaltrace.trace.frames import absolute_filename
from pytest_signaltrace.trace.identity import HandlerTable
from pytest_signaltrace.trace.keys import HandlerRef, SignalRef
from pytest_signaltrace.trace.nesting import ASEND_CHAIN
from pytest_signaltrace.trace.signals import SignalRegistry

#: Frames looked at out from a nested send's caller.
WALK_LIMIT = 512
#: Frames looked at in from the one the dispatcher called, for the wrapped receiver.
WRAPPER_DEPTH = 4

#: A handler as the log keeps it: its token, or its ref when its code is not known.
Handler = int | HandlerRef
#: ``(signal token, handler, signal token it ran for or None, handler that sent that or
#: None)``: the handler, running for the second signal, sent the first.
EdgeRow = tuple[int, Handler, int | None, Handler | None]
#: Signal tokens and handlers, alternating, from the outermost signal to the one sent last.
ChainRow = tuple[Any, ...]


class CascadeLog:
    """The cascade edges and the deepest chains seen so far; lock-free as the recorder is."""

    def __init__(
        self,
        signals: SignalRegistry,
        handlers: HandlerTable,
        current_test: Callable[[], str | None],
    ) -> None:
        self._signals, self._handlers, self._test = signals, handlers, current_test
        self.counts: dict[EdgeRow, Counter] = {}
        self.tests: dict[EdgeRow, set[str]] = {}
        #: Deepest chains -> tests (only chains of :attr:`depth`).
        self.chains: dict[ChainRow, set[str]] = {}
        self.depth = 0
        self._lock = threading.RLock()

    def record(self, chain: ChainRow) -> None:
        """Count the last edge of ``chain`` (its last handler sent its last signal), with the
        signal it ran for and the handler that sent that one, when ``chain`` tells them."""
        size = len(chain)
        edge = (
            chain[-1],
            chain[-2],
            chain[-3] if size >= 3 else None,
            chain[-4] if size >= 5 else None,
        )
        bump(self.counts, edge)
        test = self._test()
        if test is not None:
            nodes = self.tests.get(edge)
            if nodes is None:
                nodes = self.tests.setdefault(edge, set())
            nodes.add(test)

    def wants_chain(self, depth: int) -> bool:
        """Whether a chain ``depth`` receivers deep is worth walking in full."""
        if depth > self.depth:
            return True
        if depth < self.depth:
            return False
        test = self._test()
        return test is not None and not any(test in nodes for nodes in self.chains.values())

    def note_chain(self, chain: ChainRow) -> None:
        """Keep ``chain`` if it is among the deepest."""
        depth = len(chain) // 2
        test = self._test()
        with self._lock:
            if depth < self.depth:
                return
            if depth > self.depth:
                self.chains.clear()
                self.depth = depth
            nodes = self.chains.get(chain)
            if nodes is None:
                if len(self.chains) >= CHAINS_KEPT * 4:
                    return
                nodes = self.chains.setdefault(chain, set())
            if test is not None:
                nodes.add(test)

    def fold(self, moved: dict[int, int]) -> None:
        """Re-key rows of dead signals' tokens (see ``SignalRegistry.fold_dead``)."""
        with self._lock:
            for row, counter in self.counts.copy().items():
                if row[0] in moved or row[2] in moved:
                    del self.counts[row]
                    new_row = _moved(row, moved)
                    known = self.counts.get(new_row)
                    total = count_of(counter) + (0 if known is None else count_of(known))
                    self.counts[new_row] = itertools.count(total)
            for row, nodes in self.tests.copy().items():
                if row[0] in moved or row[2] in moved:
                    del self.tests[row]
                    new_row = _moved(row, moved)
                    self.tests[new_row] = self.tests.get(new_row, set()) | nodes
            for chain, nodes in list(self.chains.items()):
                if any(chain[i] in moved for i in range(0, len(chain), 2)):
                    del self.chains[chain]
                    folded = tuple(
                        moved.get(item, item) if i % 2 == 0 else item
                        for i, item in enumerate(chain)
                    )
                    self.chains[folded] = self.chains.get(folded, set()) | nodes

    def snapshot(
        self, signal_ref: Callable[[int], SignalRef]
    ) -> tuple[
        dict[CascadeKey, int], dict[CascadeKey, frozenset[str]], dict[ChainKey, frozenset[str]]
    ]:
        """The edges' counts, their tests and the deepest chains, as trace keys."""
        handler = self._handler_ref

        def key_of(row: EdgeRow) -> CascadeKey:
            signal, who, under, parent = row
            return CascadeKey(
                handler(who),
                signal_ref(signal),
                None if under is None else signal_ref(under),
                None if parent is None else handler(parent),
            )

        counts: dict[CascadeKey, int] = {}
        for row, counter in self.counts.copy().items():
            key = key_of(row)
            counts[key] = counts.get(key, 0) + count_of(counter)
        tests: dict[CascadeKey, frozenset[str]] = {}
        for row, nodes in self.tests.copy().items():
            key = key_of(row)
            tests[key] = tests.get(key, frozenset()) | frozenset(nodes)
        chains: dict[ChainKey, frozenset[str]] = {}
        with self._lock:
            kept = list(self.chains.items())
        for chain, nodes in kept:
            chain_key = ChainKey(
                tuple(signal_ref(t) for t in chain[0::2]), tuple(handler(h) for h in chain[1::2])
            )
            chains[chain_key] = chains.get(chain_key, frozenset()) | frozenset(nodes)
        return counts, tests, chains

    def tokens(self) -> set[int]:
        """The signal tokens the log names (for the snapshot's signal table)."""
        found = {row[0] for row in self.counts.copy()}
        found.update(row[2] for row in self.counts.copy() if row[2] is not None)
        for chain in list(self.chains):
            found.update(chain[0::2])
        return found

    def _handler_ref(self, handler: Handler) -> HandlerRef:
        return handler if isinstance(handler, HandlerRef) else self._handlers.ref(handler)


def _moved(row: EdgeRow, moved: dict[int, int]) -> EdgeRow:
    signal, handler, under, parent = row
    return (
        moved.get(signal, signal),
        handler,
        None if under is None else moved.get(under, under),
        parent,
    )


class CascadeWatch:
    """Finds the receiver behind a nested send from the frames, and tells the log."""

    def __init__(
        self,
        log: CascadeLog,
        signals: SignalRegistry,
        handlers: HandlerTable,
        dispatch_codes: set[CodeType],
        patched: Sequence[tuple[type, object]],
        faults: FaultLog,
        is_project_file: Callable[[str], bool] = lambda _path: True,
    ) -> None:
        self._log, self._signals, self._faults = log, signals, faults
        self._handlers = handlers
        self._known = handlers.by_code_id
        self._is_project_file = is_project_file
        self._project: dict[Handler, bool] = {}
        self._dispatch = dispatch_codes
        self._dispatch_id_set: frozenset[int] = frozenset()
        #: ``(signal class, ...)`` of every class patched so far (the installation adds to it).
        self._patched = patched
        self._classes: tuple[type, ...] = ()

    def nested(
        self, signal: Any, frame: FrameType | None, depth: int, enclosing: Any = None
    ) -> None:
        """A sync send of ``signal`` from ``frame``, while ``depth`` other sends ran in this
        thread (the send patches call it only then, or while an ``asend`` is in flight), the
        innermost of ``enclosing`` (``None``: not known, the frames tell)."""
        try:
            outer = ASEND_CHAIN.get()
            if frame is None or not (depth or outer):
                return
            if enclosing is not None and depth:
                around: int | None = self._token(enclosing)
            elif outer and not depth:
                around = outer[-1]  # the asend's (its sync receivers run in a thread)
            else:
                around = None
            chain = self._chain(self._token(signal), frame, depth, outer, around)
            if chain is not None:
                self._log.record(chain)
        except Exception as exc:
            self._faults.report("recording a signal cascade", exc)

    def asend_chain(self, signal: Any, frame: FrameType | None, depth: int) -> tuple[Any, ...]:
        """The chain an ``asend`` of ``signal`` from ``frame`` leaves to its receivers (its
        edge recorded when a receiver made it); ``()`` when it cannot be told."""
        try:
            token = self._token(signal)
            outer = ASEND_CHAIN.get()
            if frame is not None and (depth or outer):
                chain = self._chain(token, frame, depth, outer, None)
                if chain is not None:
                    self._log.record(chain)
                    return chain
            return (token,)
        except Exception as exc:
            self._faults.report("recording a signal cascade", exc)
            return ()

    def _token(self, signal: Any) -> int:
        token = self._signals.by_id.get(id(signal))
        return self._signals.token(signal) if token is None else token

    def _chain(
        self, token: int, frame: FrameType, depth: int, outer: tuple[Any, ...], around: int | None
    ) -> ChainRow | None:
        """The chain ending with this send: in full when it may be the deepest, else its last
        two links (enough to count the edge with the signal it ran for and that one's
        sender)."""
        # Without an asend around, this thread's depth says how many dispatchers there are:
        # the walk stops at the last one instead of going on to the bottom of the stack.
        limit = 2 if outer else min(2, depth)
        links, tail = self._walk(frame, limit=limit, outer=bool(outer), first=around)
        innermost = links[0][0] if links else tail
        if innermost is None:
            return None
        estimate = depth + len(outer) // 2 + (1 if outer else 0)
        full = self._log.wants_chain(estimate) and self._is_project(innermost)
        if full and len(links) == limit and (outer or depth > limit):
            links, tail = self._walk(
                frame, limit=None if outer else depth, outer=bool(outer), first=around
            )
        chain: list[Any] = []
        if outer and tail is not None:
            chain += [*outer, tail]  # the async receiver that ran for the innermost asend
        elif not links:
            return None
        for handler, signal in reversed(links):
            chain += [signal, handler]
        chain.append(token)
        row = tuple(chain)
        if full:
            self._log.note_chain(row)
        return row

    def _is_project(self, handler: Handler) -> bool:
        """Whether ``handler``'s code is the project's: only such chains are kept as the
        deepest (a library's receiver, as Django's ``create_permissions``, is not reported)."""
        known = self._project.get(handler)
        if known is None:
            ref = handler if isinstance(handler, HandlerRef) else self._handlers.ref(handler)
            known = self._project.setdefault(handler, self._is_project_file(ref.path))
        return known

    def _walk(
        self, frame: FrameType | None, *, limit: int | None, outer: bool, first: int | None
    ) -> tuple[list[tuple[Handler, int]], Handler | None]:
        """``(handler, signal token)`` of each dispatcher out from ``frame`` (innermost first;
        at most ``limit``), and, when the walk ends first and ``outer`` (an asend runs around
        this code), the known handler past the last dispatcher: an async receiver's. ``first``
        is the innermost dispatcher's signal when known (its frames' locals are not read)."""
        links: list[tuple[Handler, int]] = []
        frames: list[FrameType] = []
        dispatch, steps = self._dispatch_ids(), 0
        while frame is not None and steps < WALK_LIMIT:
            steps += 1
            if id(frame.f_code) not in dispatch:
                frames.append(frame)
                frame = frame.f_back
                continue
            top = frame
            while top.f_back is not None and id(top.f_back.f_code) in dispatch:
                top = top.f_back
            handler = self._handler_under(frames)
            signal = first if first is not None and not links else self._signal_in(top, frame)
            if handler is None or signal is None:
                return links, None
            links.append((handler, signal))
            if limit is not None and len(links) >= limit:
                return links, None
            frames = []
            frame = top.f_back
        if not outer:
            return links, None
        known = self._known
        for inner in frames:
            token = known.get(id(inner.f_code))
            if token is not None:
                return links, token
        return links, None

    def _dispatch_ids(self) -> frozenset[int]:
        """``id()`` of the dispatchers' codes (hashing a code object hashes its bytecode; the
        installation keeps the codes alive, and adds to them as it patches classes)."""
        if len(self._dispatch_id_set) != len(self._dispatch):
            self._dispatch_id_set = frozenset(map(id, list(self._dispatch)))
        return self._dispatch_id_set

    def _handler_under(self, frames: Sequence[FrameType]) -> Handler | None:
        """The handler of the receiver whose frame is ``frames[-1]`` (called by the
        dispatcher); ``frames`` run from the send's caller outwards."""
        if not frames:
            return None
        known = self._known
        for inner in reversed(frames[-WRAPPER_DEPTH:]):
            token = known.get(id(inner.f_code))
            if token is not None:
                return token
        return _described(frames[-1])

    def _signal_in(self, top: FrameType, bottom: FrameType) -> int | None:
        """The token of the signal a dispatcher's frames send (the instance of a patched
        class among their locals)."""
        classes = self._classes
        if len(classes) != len(self._patched):
            classes = self._classes = tuple(cls for cls, _ in self._patched)
        frame: FrameType | None = bottom
        while frame is not None:
            for value in frame.f_locals.values():
                if issubclass(type(value), classes):  # never isinstance: a lazy proxy
                    return self._token(value)
            if frame is top:
                break
            frame = frame.f_back
        return None


def _described(frame: FrameType) -> HandlerRef:
    """A handler named from its frame, as ``describe_function`` names a plain function."""
    code = frame.f_code
    module = frame.f_globals.get("__name__")
    name = f"{module}.{code.co_qualname}" if isinstance(module, str) else code.co_qualname
    return HandlerRef(name, absolute_filename(code.co_filename), code.co_firstlineno)
