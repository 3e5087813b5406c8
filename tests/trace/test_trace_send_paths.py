"""The send patch's shortcuts stay exact: the no-receiver fast path, handler tokens by code id,
and the bounded walk to the first project frame."""

from __future__ import annotations

import functools
import gc
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from django.dispatch import Signal
from send_paths import fast_send_path

from pytest_signaltrace.trace import CodeRef, Installation, Recorder, Trace
from pytest_signaltrace.trace.frames import WALK_DEPTH, WALKS_PER_SITE
from pytest_signaltrace.trace.identity import HandlerTable

#: Library code outside the project root (the tests' folder): frames a send walks through.
LIBRARY_FILE = "/opt/lib/site-packages/sigtrace_deep/deep.py"


def line_of(function: Callable[..., Any], marker: str) -> int:
    """The line of ``function``'s source containing ``marker``."""
    lines, start = inspect.getsourcelines(function)
    return start + next(i for i, text in enumerate(lines) if marker in text)


def library_caller(depth: int) -> Callable[[Callable[[], Any]], Any]:
    """A function that calls ``send()`` from the bottom of ``depth`` library frames."""
    lines = ["def f0(send):", "    return send()"]
    for index in range(1, depth):
        lines += [f"def f{index}(send):", f"    return f{index - 1}(send)"]
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines) + "\n", LIBRARY_FILE, "exec"), namespace)
    return namespace[f"f{depth - 1}"]  # type: ignore[no-any-return]


def on_a(sender: object, **kwargs: object) -> str:
    return "a"


def on_b(sender: object, **kwargs: object) -> str:
    return "b"


def counts(trace: Trace) -> dict[tuple[str, int | None, int | None], int]:
    """Send counts by method, caller line and project line."""
    found: dict[tuple[str, int | None, int | None], int] = {}
    for key, count in trace.sends.items():
        where = (
            key.method,
            key.site.line if key.site else None,
            key.project_site.line if key.project_site else None,
        )
        found[where] = found.get(where, 0) + count
    return found


def fire(sig: Signal) -> object:
    return sig.send(sender=None)  # fire line


@fast_send_path
def test_sends_without_receivers_count_exactly_per_signal_method_and_line(
    installation: Installation, recorder: Recorder
) -> None:
    first = Signal()
    second = Signal()  # second signal

    for _ in range(40):
        first.send(sender=None)  # send line
        first.send_robust(sender=None)  # robust line
    for _ in range(3):
        fire(first)
    for _ in range(5):
        fire(second)

    trace = recorder.snapshot()
    test = test_sends_without_receivers_count_exactly_per_signal_method_and_line
    send_line, robust_line = line_of(test, "# send line"), line_of(test, "# robust line")
    fire_line = line_of(fire, "# fire line")
    by_signal: dict[int | None, dict[tuple[str, int | None], int]] = {}
    for key, count in trace.sends.items():
        assert key.site == key.project_site  # sent from project code: the caller itself
        rows = by_signal.setdefault(key.signal.line, {})
        rows[(key.method, key.site.line if key.site else None)] = count
    second_line = line_of(test, "# second signal")
    assert by_signal == {
        second_line - 1: {
            ("send", send_line): 40,
            ("send_robust", robust_line): 40,
            ("send", fire_line): 3,
        },
        second_line: {("send", fire_line): 5},
    }
    # all but the first send of each row took the fast path
    assert id(first) in recorder.quiet.live["send"]
    assert id(first) in recorder.quiet.live["send_robust"]


def test_a_signal_that_died_keeps_its_counts_and_frees_its_address(
    installation: Installation, recorder: Recorder
) -> None:
    dead = Signal()  # dead signal
    for _ in range(3):
        fire(dead)
    address = id(dead)
    del dead
    gc.collect()

    assert address not in recorder.quiet.live["send"]
    # a new signal at the same address (CPython reuses it at once) counts on its own
    candidates = [Signal() for _ in range(50)]  # new signals
    reused = [sig for sig in candidates if id(sig) == address]
    for sig in reused or candidates[:1]:
        fire(sig)
        fire(sig)
    test = test_a_signal_that_died_keeps_its_counts_and_frees_its_address
    dead_line, new_line = line_of(test, "# dead signal"), line_of(test, "# new signals")
    by_creation = {key.signal.line: count for key, count in recorder.snapshot().sends.items()}
    assert by_creation == {dead_line: 3, new_line: 2}


def test_sends_with_and_without_receivers_from_one_line_are_apart(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()
    for index in range(10):
        if index == 5:
            sig.connect(on_a, weak=False)
        if index == 7:
            sig.connect(on_b, weak=False)
        fire(sig)

    trace = recorder.snapshot()
    assert sum(trace.sends.values()) == 10
    ran = {key.handler.handler.rsplit(".", 1)[1]: n for key, n in trace.receiver_calls.items()}
    assert ran == {"on_a": 5, "on_b": 3}
    assert len(trace.sends) == 1  # one signal, method and line: one row, whatever ran


def test_receivers_sharing_a_wrapper_code_are_told_apart_on_the_fast_path(
    installation: Installation, recorder: Recorder
) -> None:
    def logged(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return function(*args, **kwargs)

        return wrapper

    sig = Signal()
    sig.connect(logged(on_a), weak=False)
    for _ in range(3):
        fire(sig)
    sig.receivers.clear()
    sig.connect(logged(on_b), weak=False)
    for _ in range(2):
        fire(sig)

    ran = {
        key.handler.handler.rsplit(".", 1)[1]: n
        for key, n in recorder.snapshot().receiver_calls.items()
    }
    assert ran == {"on_a": 3, "on_b": 2}


def test_the_table_keys_plain_handlers_by_code_id_and_never_a_shared_wrapper() -> None:
    table = HandlerTable()

    def logged(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return function(*args, **kwargs)

        return wrapper

    wrapped = logged(on_b)
    token_a, token_b = table.token(on_a), table.token(wrapped)

    assert table.by_code_id[id(on_a.__code__)] == token_a
    assert table.by_code_id[id(on_b.__code__)] == token_b
    assert id(wrapped.__code__) not in table.by_code_id
    assert table.token(logged(on_a)) == token_a


def test_a_library_send_points_at_the_project_frame_within_the_walk_depth(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()
    sig.connect(on_a, weak=False)
    near, far = library_caller(10), library_caller(WALK_DEPTH + 5)

    near(functools.partial(sig.send, sender=None))  # near line
    near(functools.partial(sig.send, sender=None))  # near line again
    far(functools.partial(sig.send, sender=None))  # far line

    test = test_a_library_send_points_at_the_project_frame_within_the_walk_depth
    near_line, again = line_of(test, "# near line"), line_of(test, "# near line again")
    assert counts(recorder.snapshot()) == {("send", 2, near_line): 1, ("send", 2, again): 1,
                                           ("send", 2, None): 1}  # fmt: skip


@fast_send_path
def test_a_library_caller_looks_for_the_project_frame_a_bounded_number_of_times(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()
    sig.connect(on_a, weak=False)
    caller = library_caller(3)
    total = WALKS_PER_SITE + 10

    for _ in range(total):
        caller(functools.partial(sig.send, sender=None))  # loop line

    line = line_of(test_a_library_caller_looks_for_the_project_frame_a_bounded_number_of_times,
                   "# loop line")  # fmt: skip
    # the first send from a file not seen before takes the general path, which always looks
    looked = WALKS_PER_SITE + 1
    assert counts(recorder.snapshot()) == {
        ("send", 2, line): looked,
        ("send", 2, None): total - looked,
    }
    trace = recorder.snapshot()
    assert sum(n for key, n in trace.receiver_calls.items()) == total
    (site,) = {key.site for key in trace.sends}
    assert site == CodeRef(LIBRARY_FILE, 2)


@fast_send_path
def test_repeated_sends_with_receivers_keep_exact_rows_tests_and_raises(
    installation: Installation, recorder: Recorder
) -> None:
    """After its first send a row is counted through the patch's table of settled rows: the
    counts, the tests each handler ran under and the raises must stay what the rows say."""

    def boom(sender: object, **kwargs: object) -> None:
        raise ValueError("boom")

    sig = Signal()
    sig.connect(on_a, weak=False)
    for test in ("t1", "t1", None, "t2"):
        recorder.current_test = test
        fire(sig)
    sig.connect(on_b, weak=False)
    for test in ("t3", "t3", "t4"):
        recorder.current_test = test
        fire(sig)
    sig.connect(boom, weak=False)
    for test in ("t5", "t6", "t6"):
        recorder.current_test = test
        sig.send_robust(sender=None)  # robust line
    recorder.current_test = None
    library_caller(2)(functools.partial(sig.send_robust, sender=None))  # library line

    trace = recorder.snapshot()
    name = {key.handler: key.handler.handler.rsplit(".", 1)[1] for key in trace.receiver_calls}
    ran = {name[key.handler]: n for key, n in trace.receiver_calls.items()}
    assert ran == {"on_a": 11, "on_b": 7, "boom": 4}
    tests = {name[key.handler]: sorted(nodes) for key, nodes in trace.tests.items()}
    assert tests == {
        "on_a": ["t1", "t2", "t3", "t4", "t5", "t6"],
        "on_b": ["t3", "t4", "t5", "t6"],
        "boom": ["t5", "t6"],
    }
    raised = {name[key.handler]: (r.count, sorted(r.tests)) for key, r in trace.raises.items()}
    assert raised == {"boom": (4, ["t5", "t6"])}
    test = test_repeated_sends_with_receivers_keep_exact_rows_tests_and_raises
    robust_line, library_line = line_of(test, "# robust line"), line_of(test, "# library line")
    assert counts(trace) == {
        ("send", line_of(fire, "# fire line"), line_of(fire, "# fire line")): 7,
        ("send_robust", robust_line, robust_line): 3,
        ("send_robust", 2, library_line): 1,
    }


@fast_send_path
def test_a_new_signal_at_a_remembered_dead_signals_address_counts_on_its_own(
    installation: Installation, recorder: Recorder
) -> None:
    # The C patch remembers the counters of the last quiet sends by signal and caller: a new
    # signal at the address of a dead one, sent from the same line, must not count on its row.
    for _ in range(50):
        dead = Signal()  # dead signal
        for _ in range(3):
            fire(dead)  # the third send is counted from what the second remembered
        address = id(dead)
        del dead
        gc.collect()
        fresh = Signal()  # new signal
        if id(fresh) == address:
            break
    else:
        pytest.skip("CPython gave the new signal another address")
    fire(fresh)
    fire(fresh)
    test = test_a_new_signal_at_a_remembered_dead_signals_address_counts_on_its_own
    dead_line, new_line = line_of(test, "# dead signal"), line_of(test, "# new signal")
    by_creation: dict[int | None, int] = {}
    for key, count in recorder.snapshot().sends.items():
        by_creation[key.signal.line] = by_creation.get(key.signal.line, 0) + count
    assert by_creation[new_line] == 2
    assert by_creation[dead_line] % 3 == 0
