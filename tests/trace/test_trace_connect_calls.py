"""A connect or disconnect from a caller seen before costs the trace few Python calls: a test
client request makes 8 of them (about 18 k instructions each with 12 calls)."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.dispatch import Signal

import pytest_signaltrace
from pytest_signaltrace.trace import Installation, Recorder

PACKAGE = os.path.dirname(os.path.abspath(pytest_signaltrace.__file__))


def store(data: dict[str, object], sender: object, **kwargs: object) -> None:
    data["sender"] = sender


def calls_of_the_trace(action: Callable[[], object]) -> list[str]:
    """The package's Python functions called while ``action`` runs."""
    called: list[str] = []

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_filename.startswith(PACKAGE):
            called.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return called


def request_connects(sig: Signal, uid: int) -> None:
    sig.connect(functools.partial(store, {}), dispatch_uid=f"render-{uid}")
    sig.disconnect(dispatch_uid=f"render-{uid}")


def test_a_connect_from_a_known_caller_makes_few_python_calls(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()
    request_connects(sig, 0)  # the callers' sites resolved, the handler's token made
    called = calls_of_the_trace(lambda: request_connects(sig, 1))
    # per call: the patch, record_*, the row, the handler's token, whether its uid folds, bump
    assert len(called) <= 2 * 6, called
    assert sum(recorder.snapshot().connects.values()) == 2
