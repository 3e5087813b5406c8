"""Per-send overhead of the signal trace: traced vs untraced, in one process.

Run: ``python benchmarks/bench_send.py`` (Django must be importable). Prints the best of 5
``timeit`` runs per case, in microseconds per send, for Django's ``send`` and ``send_robust`` with
0 and 3 receivers, and Celery's ``send`` when Celery is installed.
"""

from __future__ import annotations

import os
import sys
import timeit
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pytest_signaltrace.trace import Recorder, install

NUMBER = 100_000
REPEAT = 5


def receiver_a(sender: object, **kwargs: object) -> int:
    return 1


def receiver_b(sender: object, **kwargs: object) -> int:
    return 2


def receiver_c(sender: object, **kwargs: object) -> int:
    return 3


def best_us(call: Callable[[], Any]) -> float:
    """Best of ``REPEAT`` timeit runs, in microseconds per call."""
    return min(timeit.repeat(call, number=NUMBER, repeat=REPEAT)) / NUMBER * 1e6


def cases() -> list[tuple[str, Callable[[], Any]]]:
    """Named zero-argument callables, each doing one send."""
    from django.dispatch import Signal

    empty, busy = Signal(), Signal()
    for function in (receiver_a, receiver_b, receiver_c):
        busy.connect(function)
    found: list[tuple[str, Callable[[], Any]]] = [
        ("django send, 0 receivers", lambda: empty.send(sender=None)),
        ("django send, 3 receivers", lambda: busy.send(sender=None)),
        ("django send_robust, 0 receivers", lambda: empty.send_robust(sender=None)),
        ("django send_robust, 3 receivers", lambda: busy.send_robust(sender=None)),
    ]
    try:
        from celery.utils.dispatch.signal import Signal as CelerySignal
    except ImportError:
        return found
    c_empty, c_busy = CelerySignal(), CelerySignal()
    for function in (receiver_a, receiver_b, receiver_c):
        c_busy.connect(function)
    found += [
        ("celery send, 0 receivers", lambda: c_empty.send(sender=None)),
        ("celery send, 3 receivers", lambda: c_busy.send(sender=None)),
    ]
    return found


def main() -> None:
    """Measure every case untraced, then traced, and print the difference."""
    from django.conf import settings

    if not settings.configured:
        settings.configure()
    import django

    print(f"Python {sys.version.split()[0]}, Django {django.get_version()}")
    print(f"best of {REPEAT} x {NUMBER} sends, microseconds per send")
    print(f"{'case':34} {'untraced':>9} {'traced':>9} {'overhead':>9}")
    untraced = {name: best_us(call) for name, call in cases()}
    installation = install(Recorder(), [os.path.dirname(os.path.abspath(__file__))])
    try:
        traced = {name: best_us(call) for name, call in cases()}
    finally:
        installation.uninstall()
    for name, before in untraced.items():
        after = traced[name]
        print(f"{name:34} {before:9.3f} {after:9.3f} {after - before:+9.3f}")


if __name__ == "__main__":
    main()
