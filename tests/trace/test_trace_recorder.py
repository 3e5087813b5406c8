"""The recorder on its own: counters, test attribution, threads, references."""

from __future__ import annotations

import gc
import os
import threading
import weakref

import pytest

from pytest_signaltrace.trace import CodeRef, Recorder, SendKey, Trace


class FakeSignal:
    """Any weak-referenceable object stands for a signal."""


def on_a(sender: object, **kwargs: object) -> None:
    pass


def on_b(sender: object, **kwargs: object) -> None:
    pass


def test_a_send_and_its_receivers_become_separate_counts() -> None:
    recorder = Recorder()
    sig = FakeSignal()

    recorder.record_send(sig, "send", ("/src/a.py", 3), None, [on_a, on_b, on_a])
    recorder.record_send(sig, "send", ("/src/a.py", 3), None, [])
    recorder.record_receivers_ran(sig, [on_b])

    trace = recorder.snapshot()
    (key,) = trace.sends
    assert key == SendKey(key.signal, "send", CodeRef("/src/a.py", 3), None)
    assert trace.sends[key] == 2
    counts = {k.handler.handler.rsplit(".", 1)[-1]: n for k, n in trace.receiver_calls.items()}
    assert counts == {"on_a": 2, "on_b": 2}


def test_tests_are_attributed_only_while_one_runs() -> None:
    recorder = Recorder()
    sig = FakeSignal()

    recorder.record_send(sig, "send", None, None, [on_a])
    recorder.current_test = "t.py::one"
    recorder.record_send(sig, "send", None, None, [on_a, on_b])
    recorder.current_test = "t.py::two"
    recorder.record_receivers_ran(sig, [on_a])

    tests = {k.handler.handler.rsplit(".", 1)[-1]: n for k, n in recorder.snapshot().tests.items()}
    assert tests == {"on_a": {"t.py::one", "t.py::two"}, "on_b": {"t.py::one"}}


def test_the_receivers_of_one_send_share_one_set_of_tests() -> None:
    # Every receiver a send ran was run by the same tests: the snapshot holds that set once,
    # not a copy per receiver (2 MB at the end of django-allauth's run).
    recorder = Recorder()
    sig = FakeSignal()
    recorder.current_test = "t.py::one"
    recorder.record_send(sig, "send", None, None, [on_a, on_b])

    first, second = recorder.snapshot().tests.values()
    assert first == second == {"t.py::one"}
    assert first is second


def test_counts_are_exact_under_concurrency() -> None:
    recorder = Recorder()
    sig = FakeSignal()
    threads_count, per_thread = 8, 5000
    barrier = threading.Barrier(threads_count)

    def work(index: int) -> None:
        barrier.wait()
        recorder.current_test = f"t.py::{index}"
        for _ in range(per_thread):
            recorder.record_send(sig, "send", ("/src/a.py", index % 2), None, [on_a])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    trace = recorder.snapshot()
    assert sorted(trace.sends.values()) == [4 * per_thread, 4 * per_thread]
    assert list(trace.receiver_calls.values()) == [threads_count * per_thread]


def test_it_keeps_no_reference_to_signals_receivers_or_senders() -> None:
    recorder = Recorder()
    sig = FakeSignal()

    def handler(sender: object, **kwargs: object) -> None:
        pass

    class Sender:
        pass

    sender = Sender()
    recorder.record_signal_created(sig, ("/src/a.py", 1), "shop.signals", None)
    recorder.record_connect(sig, handler, None, sender, "uid")
    recorder.record_send(sig, "send", None, None, [handler])
    refs = [weakref.ref(sig), weakref.ref(handler), weakref.ref(sender)]

    del sig, handler, sender
    gc.collect()

    assert [ref() for ref in refs] == [None, None, None]
    trace = recorder.snapshot()
    (connect,) = trace.connects
    assert connect.sender == f"<{__name__}.{Sender.__qualname__} object>"
    assert connect.signal.path == "/src/a.py"


def test_a_dead_signals_id_reused_by_a_new_signal_gets_a_new_token() -> None:
    recorder = Recorder()
    first = FakeSignal()
    recorder.record_signal_created(first, ("/src/a.py", 1))
    first_token = recorder.signals.token(first)
    del first
    gc.collect()

    second = FakeSignal()
    recorder.record_signal_created(second, ("/src/b.py", 2))

    assert recorder.signals.token(second) != first_token
    recorder.record_send(second, "send", None, None)
    (key,) = recorder.snapshot().sends
    assert (key.signal.path, key.signal.line) == ("/src/b.py", 2)


def test_a_snapshot_makes_each_filename_absolute_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Thousands of rows name a few dozen files: abspath + normpath per row was a good part of
    # taking the snapshot at the end of a run.
    from pytest_signaltrace.trace import places as places_module

    made_absolute: list[str] = []

    def counting(filename: str) -> str:
        made_absolute.append(filename)
        return original(filename)

    original = places_module.absolute_filename
    monkeypatch.setattr(places_module, "absolute_filename", counting)
    recorder = Recorder()
    signal = FakeSignal()
    for line in range(1, 51):
        recorder.record_send(signal, "send", ("shop/views.py", line), None)
        recorder.record_connect(signal, on_a, ("shop/apps.py", line), dispatch_uid=str(line))

    trace = recorder.snapshot()

    assert sorted(made_absolute) == ["shop/apps.py", "shop/views.py"]
    assert len(trace.sends) == 50
    assert len(trace.connects) == 50
    assert {key.site.path for key in trace.connects if key.site} == {
        os.path.abspath("shop/apps.py")
    }


def test_mapping_paths_and_merging_keep_a_receivers_tests_as_they_are() -> None:
    # The data file maps the trace's paths, the xdist controller merges the workers' traces:
    # a receiver's set of tests met once is the same object, not a copy (2 MB of allauth's).
    recorder = Recorder()
    recorder.current_test = "t.py::one"
    recorder.record_send(FakeSignal(), "send", None, None, [on_a])
    trace = recorder.snapshot()
    (nodes,) = trace.tests.values()

    (mapped,) = trace.map_paths(lambda path: "/elsewhere" + path).tests.values()
    assert mapped is nodes
    (merged,) = Trace().merge(trace).tests.values()
    assert merged is nodes
