"""Django: ``django.dispatch.Signal``, its built-in signals and how it is traced.

Checked against Django 4.2, 5.x and 6.x. What differs between them is read from the live class,
never from a version number: ``asend``/``asend_robust`` exist from 5.0 (patched where the class
defines them); a ``receivers`` entry is ``(key, ref)`` on 4.2, ``(key, ref, is_async)`` on 5.x
and ``(key, ref, sender_ref, is_async)`` on 6.x, which muting never reads (it swaps the whole
list); ``_live_receivers`` returns a list on 4.2 and ``(sync, async)`` from 5.0, and is patched
only where a failed send's frames cannot tell its receivers (4.2's ``send``).
"""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Callable
from types import ModuleType
from typing import Any

from pytest_signaltrace.frameworks.protocol import ArgSpec, Framework, QueryWatch, SignalClass

_BUILTIN_SIGNALS = {
    "django.db.models.signals": (
        "class_prepared pre_init post_init pre_save post_save pre_delete post_delete "
        "m2m_changed pre_migrate post_migrate"
    ),
    "django.core.signals": (
        "request_started request_finished got_request_exception setting_changed"
    ),
    "django.test.signals": "template_rendered",
    "django.db.backends.signals": "connection_created",
    "django.contrib.auth.signals": "user_logged_in user_logged_out user_login_failed",
    "django.utils.autoreload": "autoreload_started file_changed",
}


def _internal_files(dispatcher: ModuleType) -> list[str]:
    """The dispatcher, and ``ModelSignal``'s module: its ``connect``/``_lazy_method`` call
    ``Signal.connect``, so their frames are skipped for the connect site."""
    path = dispatcher.__file__ or ""
    django_root = os.path.dirname(os.path.dirname(path))
    return [path, os.path.join(django_root, "db", "models", "signals.py")]


def _watch_queries(on_query: Callable[[], None]) -> QueryWatch:
    """Count the queries of every connection in ``django.db.connections``, thread by thread.

    The wrapper goes in each connection's ``execute_wrappers``, the list
    ``connection.execute_wrapper()`` pushes on, with the signature it takes; not through that
    context manager itself, which would be left open for the run and whose exit pops the last
    wrapper, whichever it is: the run's end takes out this one. Connections are per thread in
    Django: each thread's are wrapped when a receiver first runs in it.
    """
    wrapped: weakref.WeakSet[Any] = weakref.WeakSet()

    def count_query(execute: Any, sql: Any, params: Any, many: bool, context: Any) -> Any:
        on_query()
        return execute(sql, params, many, context)

    def enter_thread() -> bool:
        db = sys.modules.get("django.db")
        conf = sys.modules.get("django.conf")
        if db is None or conf is None or not conf.settings.configured:
            return False
        for connection in db.connections.all():
            if connection not in wrapped:
                connection.execute_wrappers.append(count_query)
                wrapped.add(connection)
        return True

    def close() -> None:
        for connection in list(wrapped):
            if count_query in connection.execute_wrappers:
                connection.execute_wrappers.remove(count_query)
        wrapped.clear()

    return QueryWatch(enter_thread, close)


DJANGO = Framework(
    name="django",
    signal_classes=frozenset(
        {
            "django.dispatch.Signal",
            "django.dispatch.dispatcher.Signal",
            "django.db.models.signals.ModelSignal",
        }
    ),
    builtin_signals=tuple(
        f"{module}.{name}" for module, names in _BUILTIN_SIGNALS.items() for name in names.split()
    ),
    aliases={
        "django.test.signals.setting_changed": "django.core.signals.setting_changed",
        "django.utils.autoreload.request_finished": "django.core.signals.request_finished",
        "django.contrib.auth.user_logged_in": "django.contrib.auth.signals.user_logged_in",
        "django.contrib.auth.user_logged_out": "django.contrib.auth.signals.user_logged_out",
        "django.contrib.auth.user_login_failed": "django.contrib.auth.signals.user_login_failed",
    },
    # setting_changed is django.core.signals', not the re-export in django.test.signals.
    defining_modules=(
        "django.db.models.signals",
        "django.core.signals",
        "django.db.backends.signals",
        "django.contrib.auth.signals",
        "django.test.signals",
    ),
    packages=frozenset({"django"}),
    receiver_decorators=frozenset(
        {"django.dispatch.receiver", "django.dispatch.dispatcher.receiver"}
    ),
    send_methods=("send", "send_robust", "asend", "asend_robust"),
    lookalike_modules=("django.core.mail", "django.http"),
    classes=(
        SignalClass(
            module="django.dispatch.dispatcher",
            connect="connect",
            connect_args=ArgSpec(receiver=0, sender=1, dispatch_uid=3),
            disconnect_args=ArgSpec(receiver=0, sender=1, dispatch_uid=2),
            async_sends=("asend", "asend_robust"),
            robust_sends=frozenset({"send_robust", "asend_robust"}),
            internal_files=_internal_files,
        ),
    ),
    watch_queries=_watch_queries,
)
