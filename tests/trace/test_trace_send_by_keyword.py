"""A traced send takes its arguments as the untraced one does, ``self`` by keyword included."""

from __future__ import annotations

import pytest
from django.dispatch import Signal

from pytest_signaltrace.trace import Installation


def on_send(sender: object, **kwargs: object) -> str:
    return "ran"


@pytest.mark.parametrize("method", ["send", "send_robust"])
def test_self_by_keyword_sends_as_untraced(installation: Installation, method: str) -> None:
    signal = Signal()
    signal.connect(on_send, weak=False)
    unbound = getattr(Signal, method)

    assert unbound(self=signal, sender=None, extra=1) == [(on_send, "ran")]
    assert unbound(signal, sender=None) == [(on_send, "ran")]


def test_a_send_without_sender_is_refused_as_untraced(installation: Installation) -> None:
    with pytest.raises(TypeError, match="sender"):
        Signal().send()  # type: ignore[call-arg]
