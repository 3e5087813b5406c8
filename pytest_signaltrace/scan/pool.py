"""The scan's worker processes: started in a way that cannot deadlock, whatever threads run.

``fork`` copies a process with whatever locks its other threads held at that moment, and a child
that needs one of them (the allocator's, the import lock, a logging handler's) waits forever:
Python 3.12+ warns ``This process is multi-threaded, use of fork() may lead to deadlocks``. The
scan runs at the end of a test run, in a process where tests may have left threads behind
(asgiref's ``sync_to_async`` executor, a server, a pool), so forking there is never safe, and a
user who shows deprecation warnings (``-W default``, ``-X dev``) saw that one. So the pool forks
only from a process with no other thread (nothing to deadlock on: the ``signaltrace`` command, a
plain run); anywhere else its workers start from the ``forkserver`` (a clean single-threaded
process, started once per process), or are spawned where there is none (Windows).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def thread_count() -> int | None:
    """The threads of this process as the OS counts them (C threads too), ``None`` if unknown."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def start_method(os_threads: int | None, python_threads: int) -> str:
    """``fork`` where this process has no other thread, else ``forkserver``, else ``spawn``.

    ``os_threads`` is :func:`thread_count` (``None`` where the OS cannot tell: there a thread
    started by a C library would go unseen, so the pool never forks), ``python_threads``
    ``threading.active_count()``.
    """
    methods = multiprocessing.get_all_start_methods()
    if os_threads == 1 and python_threads == 1 and "fork" in methods:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def start_pool(
    workers: int, initializer: Callable[..., object] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes for the scan, started the safe way (see above);
    ``initializer(*initargs)`` runs first in each worker."""
    method = start_method(thread_count(), threading.active_count())
    if method == "fork":
        # Import the parser before the workers fork, so that none imports it again.
        from pytest_signaltrace.scan import visitor  # noqa: F401
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=initializer,
        initargs=initargs,
    )
