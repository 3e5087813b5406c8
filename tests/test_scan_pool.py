"""The scan's worker pool never forks beside another thread (Python 3.12+ warns that it may
deadlock, and a run with ``-W error`` would fail on that warning)."""

from __future__ import annotations

import multiprocessing
import sys
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
from test_scan_cache import TREE

from pytest_signaltrace.scan import engine, pool, scan
from pytest_signaltrace.scan.pool import start_method, thread_count

if TYPE_CHECKING:
    from conftest import WriteTree

needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform"
)


@needs_fork
def test_a_process_without_other_threads_forks() -> None:
    assert start_method(1, 1) == "fork"


@needs_fork
@pytest.mark.parametrize(
    ("os_threads", "python_threads"),
    [(2, 1), (1, 2), (5, 3), (None, 1)],
    ids=["a C thread", "a Python thread", "many", "uncounted"],
)
def test_any_other_thread_and_the_pool_starts_from_the_forkserver(
    os_threads: int | None, python_threads: int
) -> None:
    assert start_method(os_threads, python_threads) == "forkserver"


def test_without_fork_nor_forkserver_the_workers_are_spawned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pool.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert start_method(1, 1) == "spawn"
    assert start_method(3, 2) == "spawn"


@pytest.mark.skipif(sys.platform != "linux", reason="counts /proc/self/task")
def test_threads_are_counted_as_the_os_sees_them() -> None:
    before = thread_count()
    assert before is not None
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert thread_count() == before + 1
    finally:
        stop.set()
        thread.join()


@pytest.fixture
def a_thread_left_running() -> Iterator[None]:
    """A thread alive for the whole test, as tests leave behind (asgiref's executor, servers)."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


def test_a_parallel_scan_beside_a_thread_never_forks(
    tree: WriteTree, monkeypatch: pytest.MonkeyPatch, a_thread_left_running: None
) -> None:
    root = tree(TREE)
    serial = scan(root, jobs=1)
    methods: list[str] = []

    class RecordingPool(ProcessPoolExecutor):
        def __init__(self, max_workers: int | None = None, **options: Any) -> None:
            methods.append(options["mp_context"].get_start_method())
            super().__init__(max_workers=max_workers, **options)

    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(pool, "ProcessPoolExecutor", RecordingPool)
    with warnings.catch_warnings():
        # 3.12+: "This process is multi-threaded, use of fork() may lead to deadlocks"
        warnings.simplefilter("error", DeprecationWarning)
        parallel = scan(root, jobs=2)

    assert parallel == serial
    assert methods
    assert "fork" not in methods
