"""Runtime ids: handlers, senders, dispatch uids, and the definition ids of existing signals."""

from __future__ import annotations

import functools
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pytest_signaltrace.trace.identity import (
    HandlerTable,
    describe_function,
    describe_sender,
    describe_uid,
    underlying_function,
)
from pytest_signaltrace.trace.signals import find_existing_signals, rank_holder

THIS = __name__


def plain(sender: object, **kwargs: object) -> None:
    """A module-level receiver."""


class Mailer:
    def on_placed(self, sender: object, **kwargs: object) -> None:
        """A method receiver."""

    @classmethod
    def on_class(cls, sender: object, **kwargs: object) -> None:
        """A classmethod receiver."""

    @staticmethod
    def on_static(sender: object, **kwargs: object) -> None:
        """A staticmethod receiver."""


class CallableReceiver:
    def __call__(self, sender: object, **kwargs: object) -> None:
        """A callable instance receiver."""


def logged(function: Callable[..., Any]) -> Callable[..., Any]:
    """A ``functools.wraps`` decorator: every wrapper shares one code object."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return wrapper


@logged
def decorated_one(sender: object, **kwargs: object) -> None:
    """First decorated receiver."""


@logged
def decorated_two(sender: object, **kwargs: object) -> None:
    """Second decorated receiver."""


def make_closure() -> Callable[..., None]:
    def handler(sender: object, **kwargs: object) -> None:
        """A nested receiver."""

    return handler


def handler_name(receiver: object) -> str:
    return describe_function(underlying_function(receiver)).handler


@pytest.mark.parametrize(
    ("receiver", "expected"),
    [
        (plain, f"{THIS}.plain"),
        (Mailer().on_placed, f"{THIS}.Mailer.on_placed"),
        (Mailer.on_class, f"{THIS}.Mailer.on_class"),
        (Mailer.on_static, f"{THIS}.Mailer.on_static"),
        (CallableReceiver(), f"{THIS}.CallableReceiver.__call__"),
        (functools.partial(functools.partial(plain), None), f"{THIS}.plain"),
        (functools.partial(Mailer().on_placed), f"{THIS}.Mailer.on_placed"),
        (decorated_one, f"{THIS}.decorated_one"),
        (make_closure(), f"{THIS}.make_closure.<locals>.handler"),
        (lambda sender, **kwargs: None, f"{THIS}.<lambda>"),
        (len, "builtins.len"),
    ],
)
def test_it_names_the_underlying_function(receiver: object, expected: str) -> None:
    assert handler_name(receiver) == expected


def test_a_handler_points_at_its_code() -> None:
    ref = describe_function(underlying_function(Mailer().on_placed))

    assert ref.path == __file__
    assert ref.line == Mailer.on_placed.__code__.co_firstlineno


def test_a_builtin_handler_has_no_location() -> None:
    ref = describe_function(underlying_function(len))

    assert (ref.path, ref.line) == ("", 0)


def test_the_table_caches_by_code_but_keeps_wrapped_functions_apart() -> None:
    table = HandlerTable()

    first, second = table.token(decorated_one), table.token(decorated_two)

    assert first != second
    assert table.token(decorated_one) == first
    assert table.ref(first).handler == f"{THIS}.decorated_one"
    assert table.token(Mailer().on_placed) == table.token(Mailer().on_placed)


def test_the_table_unwraps_celery_retry_wrappers() -> None:
    def _retry_receiver(retry_fun: Callable[..., Any]) -> Callable[..., Any]:
        # The same shape as celery.utils.dispatch.signal.Signal.connect's retry wrapper.
        def _try_receiver_over_time(*args: Any, **kwargs: Any) -> Any:
            return retry_fun(*args, **kwargs)

        return _try_receiver_over_time

    table = HandlerTable()

    first = table.token(_retry_receiver(plain))
    second = table.token(_retry_receiver(decorated_two))

    assert table.ref(first).handler == f"{THIS}.plain"
    assert table.ref(second).handler == f"{THIS}.decorated_two"


class Model:
    pass


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        (None, None),
        (Model, f"{THIS}.Model"),
        ("shop.Order", "shop.Order"),
        (Model(), f"<{THIS}.Model object>"),
    ],
)
def test_it_describes_senders_by_type(sender: object, expected: str | None) -> None:
    assert describe_sender(sender) == expected


def test_it_does_not_evaluate_a_celery_promise_proxy() -> None:
    local = pytest.importorskip("celery.local")
    evaluated: list[bool] = []

    def factory() -> object:
        evaluated.append(True)
        return Model

    proxy = local.PromiseProxy(factory)

    assert describe_sender(proxy) == "<celery.local.PromiseProxy object>"
    assert not evaluated


@pytest.mark.parametrize(
    ("uid", "expected"),
    [
        (None, None),
        ("mailer", "mailer"),
        (42, "42"),
        (("a", 1), "('a', 1)"),
        (Model(), "<Model>"),
    ],
)
def test_it_describes_dispatch_uids(uid: object, expected: str | None) -> None:
    assert describe_uid(uid) == expected


# --- existing signals ---------------------------------------------------------------------------


def test_it_names_django_signals_by_their_defining_module() -> None:
    from django.core.signals import setting_changed
    from django.db.models.signals import post_save
    from django.test import signals as test_signals

    names = {id(obj): name for obj, name in find_existing_signals()}

    assert test_signals.setting_changed is setting_changed  # re-exported
    assert names[id(post_save)] == "django.db.models.signals.post_save"
    assert names[id(setting_changed)] == "django.core.signals.setting_changed"
    assert names[id(test_signals.template_rendered)] == "django.test.signals.template_rendered"


def test_it_names_celery_signals() -> None:
    signals = pytest.importorskip("celery.signals")

    names = {id(obj): name for obj, name in find_existing_signals()}

    assert names[id(signals.task_prerun)] == "celery.signals.task_prerun"


@pytest.fixture
def fake_modules() -> Iterator[dict[str, types.ModuleType]]:
    """``shopfake.signals`` defines signals; ``shopfake.receivers`` imports one of them."""
    from django.dispatch import Signal

    signals = types.ModuleType("shopfake.signals")
    signals.order_placed = Signal()  # type: ignore[attr-defined]

    class Hooks:
        ready = Signal()

        class Inner:
            done = Signal()

    Hooks.__module__ = Hooks.Inner.__module__ = "shopfake.signals"
    Hooks.__qualname__, Hooks.Inner.__qualname__ = "Hooks", "Hooks.Inner"
    signals.Hooks = Hooks  # type: ignore[attr-defined]
    receivers = types.ModuleType("shopfake.receivers")
    receivers.order_placed = signals.order_placed  # type: ignore[attr-defined]
    modules = {"shopfake.signals": signals, "shopfake.receivers": receivers}
    sys.modules.update(modules)
    try:
        yield modules
    finally:
        for name in modules:
            sys.modules.pop(name, None)


def test_it_prefers_the_defining_module_over_an_importer(
    fake_modules: dict[str, types.ModuleType],
) -> None:
    signals = fake_modules["shopfake.signals"]

    names = {id(obj): name for obj, name in find_existing_signals()}

    assert names[id(signals.order_placed)] == "shopfake.signals.order_placed"
    assert names[id(signals.Hooks.ready)] == "shopfake.signals.Hooks.ready"
    assert names[id(signals.Hooks.Inner.done)] == "shopfake.signals.Hooks.Inner.done"


def test_the_ranking_rule() -> None:
    def best(*holders: tuple[str, str]) -> tuple[str, str]:
        return min(holders, key=lambda holder: rank_holder(*holder))

    assert best(("django.test.signals", "x"), ("django.core.signals", "x")) == (
        "django.core.signals",
        "x",
    )
    assert best(("shop.receivers", "x"), ("shop.signals", "x")) == ("shop.signals", "x")
    assert best(("shop._compat", "x"), ("shop.hooks", "x")) == ("shop.hooks", "x")
    assert best(("shop.hooks", "Hooks.x"), ("shop.hooks", "x")) == ("shop.hooks", "x")
    assert best(("shop.a.hooks", "x"), ("shop.hooks", "x")) == ("shop.hooks", "x")


def test_it_walks_nothing_without_signal_classes() -> None:
    assert find_existing_signals(()) == []
