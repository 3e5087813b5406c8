"""Django's and Celery's own signals, signal classes and re-exports, known by name.

The scan never imports Django or Celery, so what they define is listed here. The lists were
checked against Django 4.2 / 5.2 and Celery 5.x.
"""

from __future__ import annotations

from typing import Final

from pytest_signaltrace.model import Framework

_DJANGO_SIGNALS: Final = {
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

_CELERY_SIGNALS: Final = (
    "before_task_publish after_task_publish task_internal_error task_prerun task_postrun "
    "task_success task_received task_rejected task_unknown task_retry task_failure "
    "task_revoked task_sent celeryd_init celeryd_after_setup import_modules worker_init "
    "worker_before_create_process worker_process_init worker_process_shutdown worker_ready "
    "worker_shutdown worker_shutting_down setup_logging after_setup_logger "
    "after_setup_task_logger beat_init beat_embedded_init heartbeat_sent "
    "eventlet_pool_started eventlet_pool_preshutdown eventlet_pool_postshutdown "
    "eventlet_pool_apply user_preload_options"
)


def _build_builtins() -> dict[str, Framework]:
    builtins: dict[str, Framework] = {}
    for module, names in _DJANGO_SIGNALS.items():
        for name in names.split():
            builtins[f"{module}.{name}"] = "django"
    for name in _CELERY_SIGNALS.split():
        builtins[f"celery.signals.{name}"] = "celery"
    return builtins


#: Signal id -> framework, for every built-in signal.
BUILTIN_SIGNALS: Final[dict[str, Framework]] = _build_builtins()

#: Public names that re-export a built-in signal, mapped to its definition id.
BUILTIN_ALIASES: Final[dict[str, str]] = {
    "django.test.signals.setting_changed": "django.core.signals.setting_changed",
    "django.utils.autoreload.request_finished": "django.core.signals.request_finished",
    "django.contrib.auth.user_logged_in": "django.contrib.auth.signals.user_logged_in",
    "django.contrib.auth.user_logged_out": "django.contrib.auth.signals.user_logged_out",
    "django.contrib.auth.user_login_failed": "django.contrib.auth.signals.user_login_failed",
}

#: Classes whose instances are signals, mapped to their framework.
SIGNAL_CLASSES: Final[dict[str, Framework]] = {
    "django.dispatch.Signal": "django",
    "django.dispatch.dispatcher.Signal": "django",
    "django.db.models.signals.ModelSignal": "django",
    "celery.utils.dispatch.Signal": "celery",
    "celery.utils.dispatch.signal.Signal": "celery",
}

#: Dotted names of Django's ``receiver`` decorator.
RECEIVER_DECORATORS: Final = frozenset(
    {"django.dispatch.receiver", "django.dispatch.dispatcher.receiver"}
)

#: Dotted names of ``functools.partial``.
PARTIAL_FUNCTIONS: Final = frozenset({"functools.partial"})


def canonical_builtin(dotted: str) -> str:
    """Map a re-exported built-in signal name to its definition id; other names unchanged."""
    return BUILTIN_ALIASES.get(dotted, dotted)


def builtin_framework(signal_id: str) -> Framework | None:
    """The framework of a built-in signal id, or ``None`` when it is not built in."""
    return BUILTIN_SIGNALS.get(signal_id)


def looks_like_signals_module(module: str) -> bool:
    """Whether an external module is, by its name, a module of signals.

    For example ``allauth.account.signals``.
    """
    return any(part in {"signals", "signal", "dispatch"} for part in module.split("."))
