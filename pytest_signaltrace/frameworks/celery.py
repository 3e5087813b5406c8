"""Celery: ``celery.utils.dispatch.Signal``, the signals of ``celery.signals``, how it is traced.

Celery's dispatcher is a copy of Django's with two differences the trace must know: every form of
``connect`` (``@sig.connect``, ``@sig.connect(sender=..., weak=False)``, ``sig.connect(fn)``)
ends in ``_connect_signal``, and ``send_robust = send`` in the class body, so ``send`` catches a
receiver's exception as ``send_robust`` does (both names are patched). ``celery.app.trace`` binds
``task_prerun.send`` (and ``task_postrun``, ``task_success``) to module globals at import.
"""

from __future__ import annotations

from pytest_signaltrace.frameworks.protocol import ArgSpec, BoundSends, Framework, SignalClass

_BUILTIN_SIGNALS = (
    "before_task_publish after_task_publish task_internal_error task_prerun task_postrun "
    "task_success task_received task_rejected task_unknown task_retry task_failure "
    "task_revoked task_sent celeryd_init celeryd_after_setup import_modules worker_init "
    "worker_before_create_process worker_process_init worker_process_shutdown worker_ready "
    "worker_shutdown worker_shutting_down setup_logging after_setup_logger "
    "after_setup_task_logger beat_init beat_embedded_init heartbeat_sent "
    "eventlet_pool_started eventlet_pool_preshutdown eventlet_pool_postshutdown "
    "eventlet_pool_apply user_preload_options"
)

CELERY = Framework(
    name="celery",
    signal_classes=frozenset(
        {"celery.utils.dispatch.Signal", "celery.utils.dispatch.signal.Signal"}
    ),
    builtin_signals=tuple(f"celery.signals.{name}" for name in _BUILTIN_SIGNALS.split()),
    defining_modules=("celery.signals",),
    packages=frozenset({"celery"}),
    # connect(retry=True) connects a wrapper retrying the receiver.
    receiver_wrappers={"_try_receiver_over_time": "retry_fun"},
    classes=(
        SignalClass(
            module="celery.utils.dispatch.signal",
            # _connect_signal(receiver, sender, weak, dispatch_uid)
            connect="_connect_signal",
            connect_args=ArgSpec(receiver=0, sender=1, dispatch_uid=3),
            disconnect_args=ArgSpec(receiver=0, sender=1, dispatch_uid=3),
            robust_sends=frozenset({"send", "send_robust"}),
            # A connect deferred on a PromiseProxy sender is replayed from here: already recorded.
            replayed_connect="_connect_proxy",
            # connect(retry=True) wraps the receiver and sets this to an id(): not stable.
            generated_uid_attribute="_dispatch_uid",
        ),
    ),
    bound_sends=(
        BoundSends(
            module="celery.app.trace",
            names={
                "send_prerun": "celery.signals.task_prerun",
                "send_postrun": "celery.signals.task_postrun",
                "send_success": "celery.signals.task_success",
            },
        ),
    ),
)
