"""``--signal-strict`` (``strict = true``): fail the test in which a robust send swallowed a
receiver's exception.

The send patches keep each such exception of the running test as text (see
:class:`~pytest_signaltrace.trace.raises.Swallowed`); the plugin's wrappers around
``pytest_runtest_setup``/``call``/``teardown`` ask :func:`phase_failure` after each phase and
fail that phase with its message, so the test fails (or errors in setup or teardown) in its own
report, as pytest-django fails a test that touches the database without the mark. A test that
failed by itself keeps its own failure; the swallowed exceptions are added to its report as a
section (``Captured signaltrace call``) instead.
"""

from __future__ import annotations

from pytest_signaltrace.report.escape import escape
from pytest_signaltrace.trace.raises import Swallowed
from pytest_signaltrace.trace.recorder import Recorder

#: The option, as messages name it.
OPTION = "--signal-strict"


def start_phase(recorder: Recorder) -> None:
    """Forget what was kept before this phase (between tests, or a phase already reported)."""
    recorder.raises.take_swallowed()


def phase_failure(recorder: Recorder) -> str | None:
    """The message to fail the phase that just ended with, or ``None`` when no robust send
    swallowed an exception in it."""
    kept, more = recorder.raises.take_swallowed()
    if not kept:
        return None
    return describe_swallowed(recorder, kept, more)


def describe_swallowed(recorder: Recorder, kept: list[Swallowed], more: int) -> str:
    """One block per exception: what raised, under which send of which signal, its traceback.

    The first line (what pytest's short summary shows) names the first receiver.
    """
    signals = recorder.signals.refs({s.signal for s in kept})
    blocks = []
    for swallowed in kept:
        # the first line from runtime names and a repr: one line, whatever they hold
        handler = escape(recorder.handlers.ref(swallowed.handler).handler)
        signal = escape(signals[swallowed.signal].signal or "a signal")
        blocks.append(
            f"{handler} raised {escape(swallowed.message)} under {swallowed.method} of {signal}, "
            f"which caught it ({OPTION})\n\n{swallowed.traceback.rstrip()}"
        )
    if more:
        blocks.append(f"... and {more} more exception(s) swallowed by robust sends in this phase")
    return "\n\n".join(blocks)
