"""The ``signals`` fixture's expectations: classes and predicates match, failures read well
whatever the values do."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.dispatch import Signal

from pytest_signaltrace.plugin.fixture import observing


class View:
    """A sender that sends ``sender=self``."""


class OtherView:
    pass


class Touchy:
    """A value whose comparison and repr both raise."""

    def __eq__(self, other: object) -> bool:
        raise ValueError("no comparing me")

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        raise RuntimeError("no showing me")


def on_viewed(sender: object, **kwargs: object) -> None:
    pass


def failure(block: Any) -> str:
    with pytest.raises(pytest.fail.Exception) as raised:
        block()
    return str(raised.value)


def test_a_class_matches_its_instances_and_itself() -> None:
    viewed = Signal()
    view = View()
    with observing() as signals:
        viewed.send(sender=view, user=OtherView())
        viewed.send(sender=View)
        assert len(signals.assert_sent(viewed, sender=View, times=2)) == 2
        signals.assert_sent(viewed, sender=View, user=OtherView, times=1)
        signals.assert_not_sent(viewed, sender=OtherView)


def test_a_predicate_matches_the_sender_and_keyword_values() -> None:
    viewed = Signal()
    with observing() as signals:
        viewed.send(sender=View(), count=3)
        signals.assert_sent(viewed, sender=lambda s: isinstance(s, View), count=lambda n: n > 2)
        signals.assert_not_sent(viewed, sender=lambda s: s is None)
        signals.assert_sent(viewed, count=mock.ANY)


def test_a_failure_names_the_class_and_the_predicate_expected() -> None:
    viewed = Signal()

    def is_big(value: int) -> bool:
        return value > 10

    with observing() as signals:
        viewed.send(sender=None, count=3)
        message = failure(lambda: signals.assert_sent(viewed, sender=View, count=is_big))
    assert message.startswith(
        f"expected {viewed!r} sent with sender=<class '{__name__}.View'> (or an instance), "
        f"count=a value for which {__name__}.test_a_failure_names_the_class_and_the_predicate_"
        "expected.<locals>.is_big() is true; it was sent 0 times"
    )


def test_a_keyword_whose_comparison_raises_is_a_readable_failure() -> None:
    viewed = Signal()
    with observing() as signals:
        viewed.send(sender=None, item=Touchy())
        message = failure(lambda: signals.assert_sent(viewed, item=1))
    assert "it was sent 0 times" in message
    assert f"item=<{__name__}.Touchy object (repr raised RuntimeError)>" in message
    assert "comparing item raised ValueError: no comparing me" in message


def test_a_sender_whose_repr_raises_is_a_readable_failure() -> None:
    viewed = Signal()
    with observing() as signals:
        viewed.send(sender=Touchy())
        message = failure(lambda: signals.assert_not_sent(viewed))
    assert f"send(sender=<{__name__}.Touchy object (repr raised RuntimeError)>)" in message


def test_a_predicate_that_raises_is_no_match_and_said() -> None:
    viewed = Signal()
    with observing() as signals:
        viewed.send(sender=None)
        message = failure(lambda: signals.assert_sent(viewed, sender=lambda s: s.missing))
    assert "comparing sender raised AttributeError: 'NoneType' object has no attribute" in message


def test_receivers_are_named_by_module_and_qualified_name() -> None:
    viewed = Signal()
    viewed.connect(on_viewed, weak=False)
    with observing() as signals:
        viewed.send(sender=None)
        message = failure(lambda: signals.assert_not_sent(viewed))
    assert message.endswith(f"receivers that ran: {__name__}.on_viewed")
