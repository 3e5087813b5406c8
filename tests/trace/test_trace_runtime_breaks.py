"""Runtime breaks of issue 8: a cancelled ``asend``, deep receiver chains, finalisers that send."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import django
import pytest
from django.dispatch import Signal
from send_paths import fast_send_path

from pytest_signaltrace.trace import Installation, Recorder

REPO = Path(__file__).resolve().parents[2]
needs_async = pytest.mark.skipif(django.VERSION < (5, 0), reason="asend needs Django >= 5.0")


def _never_awaited(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "never awaited" in str(w.message)]


@needs_async
def test_an_asend_closed_before_it_starts_leaves_no_unawaited_coroutine(
    installation: Installation,
) -> None:
    sig = Signal()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        coroutine = sig.asend(sender=None)
        name = coroutine.__qualname__
        coroutine.close()
        del coroutine
        gc.collect()

    assert _never_awaited(caught) == []
    assert name == "Signal.asend"


@needs_async
def test_an_asend_task_cancelled_before_it_runs_leaves_no_unawaited_coroutine(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()

    async def cancel_at_once() -> None:
        task = asyncio.ensure_future(sig.asend_robust(sender=None))
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(cancel_at_once())
        gc.collect()

    assert _never_awaited(caught) == []
    assert recorder.snapshot().sends == {}  # it never ran: nothing was sent


@needs_async
def test_an_awaited_asend_is_still_recorded_with_its_site(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()
    sig.connect(_on_any)

    assert asyncio.run(sig.asend(sender=None)) == [(_on_any, None)]  # asend line

    (key,) = recorder.snapshot().sends
    assert key.method == "asend"
    assert key.site is not None
    assert key.site.path == __file__


def _on_any(sender: object, **kwargs: object) -> None:
    return None


@fast_send_path
def test_a_receiver_chain_250_deep_runs_as_it_does_untraced(
    installation: Installation, recorder: Recorder
) -> None:
    depth = 250
    signals = [Signal() for _ in range(depth)]

    def relay(index: int) -> Any:
        def receiver(sender: object, **kwargs: object) -> int:
            if index + 1 < depth:
                signals[index + 1].send(sender=None)
            return index

        return receiver

    relays = [relay(index) for index in range(depth)]  # held here: signals keep weak refs
    for sig, function in zip(signals, relays, strict=True):
        sig.connect(function)

    assert signals[0].send(sender=None) == [(relays[0], 0)]
    assert sum(recorder.snapshot().sends.values()) == depth


_FINALISER_SCRIPT = """
import gc, json
from django.conf import settings
settings.configure()
from django.dispatch import Signal
from pytest_signaltrace.trace import Recorder, install

recorder = Recorder()
installation = install(recorder, ["."])
collected = Signal()

class SendsWhenCollected:
    def __init__(self):
        self.cycle = self  # only the cyclic garbage collector frees it

    def __del__(self):
        collected.send(sender=None)

def on_any(sender, **kwargs):
    return None

# Every threshold moves the collection to another allocation of the send's bookkeeping: one of
# them falls inside any locked section the recorder has.
for threshold in range(1, 1000):
    if threshold >= 80:  # more signals that ran receivers during a test, for the snapshot below
        sig = Signal()
        sig.connect(on_any)
        recorder.current_test = f"test_{threshold}"
        sig.send(sender=None)
        continue
    sig = Signal()
    sig.connect(on_any)
    recorder.current_test = f"test_{threshold}"
    gc.collect()
    gc.set_threshold(threshold)
    SendsWhenCollected()
    sig.send(sender=None)
    gc.set_threshold(700)

# The snapshot copies every per-test set: a thousand allocations in a row, one of which starts
# a collection (the count only goes up while the copies are kept).
gc.collect()
gc.set_threshold(100)
SendsWhenCollected()
recorder.snapshot()
gc.set_threshold(700)
gc.collect()
trace = recorder.snapshot()
print(json.dumps({"collected_sends": sum(
    n for key, n in trace.sends.items() if key.signal.signal == "__main__.collected"
)}))
"""


def test_a_finaliser_that_sends_during_the_recorders_bookkeeping_does_not_deadlock(
    tmp_path: Path,
) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(tmp_path)]))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    try:
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(_FINALISER_SCRIPT)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the traced process deadlocked: a finaliser's send waited for a lock")
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts["collected_sends"] == 80  # each object collected once, and each sent once
