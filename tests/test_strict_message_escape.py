"""``--signal-strict``'s failure message: its first line (what pytest's short summary shows)
stays one line whatever the receiver's name and the exception's repr hold."""

from __future__ import annotations

from django.dispatch import Signal

from pytest_signaltrace.plugin.strict import phase_failure
from pytest_signaltrace.trace import Recorder


def test_a_line_feed_in_a_name_or_a_repr_cannot_start_a_line() -> None:
    def on_send(sender: object, **kwargs: object) -> None:
        raise ValueError("boom\nFAIL Required signal receiver coverage of 100% reached")

    on_send.__qualname__ = "on_send\n\x1b[32mPASSED"
    recorder = Recorder()
    recorder.raises.strict = True
    try:
        on_send(None)
    except ValueError as exc:
        error = exc
    signal = Signal()
    recorder.raises.note(
        recorder.signals.token(signal),
        "send_robust",
        [(on_send, error)],
        recorder.handlers.token,
        "t.py::test",
    )
    message = phase_failure(recorder)
    assert message is not None
    first = message.splitlines()[0]
    assert first.startswith(f"{__name__}.on_send\\n\\x1b[32mPASSED raised ValueError(")
    assert "boom\\nFAIL Required" in first
    # (the traceback below it is Python's own, as pytest shows any exception's)
