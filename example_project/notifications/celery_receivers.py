"""Receivers of Celery's task signals, in the decorator forms Celery offers."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from celery import signals
from celery.signals import before_task_publish, task_postrun, task_prerun, task_success

task_stats: Counter[str] = Counter()
_started: dict[str, float] = {}


@task_prerun.connect
def start_timer(sender: Any = None, task_id: str = "", **kwargs: Any) -> None:
    """Remember when a task started."""
    _started[task_id] = time.perf_counter()
    task_stats["started"] += 1


@task_postrun.connect(weak=False)
def stop_timer(sender: Any = None, task_id: str = "", **kwargs: Any) -> None:
    """Count a finished task (whatever its outcome)."""
    _started.pop(task_id, None)
    task_stats["finished"] += 1


@task_success.connect
def count_success(sender: Any = None, result: Any = None, **kwargs: Any) -> None:
    """Count successful tasks by name."""
    task_stats[f"success:{sender.name}"] += 1


@signals.task_failure.connect(sender=None, weak=False)
def report_failure(
    sender: Any = None, exception: BaseException | None = None, **kwargs: Any
) -> None:
    """Count failures. No test makes a task fail: unexercised."""
    task_stats["failed"] += 1


@before_task_publish.connect
def stamp_headers(sender: str = "", headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Tag outgoing messages. Eager tasks are never published: unexercised."""
    if headers is not None:
        headers["shop_origin"] = "web"
