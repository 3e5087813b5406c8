"""A run whose tests leave a thread behind still scans in worker processes, and without a
warning: Python 3.12+'s "This process is multi-threaded, use of fork() may lead to deadlocks"
never shows, and a run that makes every other ``DeprecationWarning`` an error (``python -W
error::DeprecationWarning``, pytest's ``-W error``) passes with a complete report: the scan's
workers start from a forkserver that inherits those filters too."""

from __future__ import annotations

import pytest
from e2e_project import DjangoProject

FILES = 4

CONFTEST = """
import threading

from pytest_signaltrace.scan import engine

# Parse in worker processes however small the project (a real one needs 512 KiB of candidates).
engine.PARALLEL_THRESHOLD = 0

# As asgiref's executor or a live server would: alive until the process ends.
_stop = threading.Event()
threading.Thread(target=_stop.wait, daemon=True).start()
"""

TESTS = """
import shop.receivers
from shop.signals import order_placed


def test_place():
    order_placed.send(sender=None)
"""


def receivers_module(index: int) -> str:
    return (
        "from django.dispatch import receiver\n\n"
        "from shop.signals import order_placed\n\n\n"
        "@receiver(order_placed)\n"
        f"def on_placed_{index}(sender, **kwargs):\n"
        "    pass\n"
    )


def test_a_run_that_leaves_a_thread_scans_in_workers_even_under_w_error(
    django_project: DjangoProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    receivers = "\n".join(f"import shop.receivers_{index}" for index in range(FILES))
    django_project.write(
        conftest=CONFTEST,
        test_shop=TESTS,
        **{"shop/receivers": receivers},
        **{f"shop/receivers_{index}": receivers_module(index) for index in range(FILES)},
    )

    # Every warning an error but the fork one, which is shown (an error raised by that one
    # would be dropped by CPython): for pytest and for the interpreter (its filters reach
    # the scan's worker processes too).
    show_fork = "always:This process:DeprecationWarning"
    monkeypatch.setenv("PYTHONWARNINGS", f"error::DeprecationWarning,{show_fork}")
    result, report = django_project.run_json("-W", "error", "-W", show_fork, "--signal-source=shop")

    assert result.ret == 0, result.stdout.str()
    assert "use of fork()" not in result.stdout.str() + result.stderr.str()
    handlers = {f"shop.receivers_{index}.on_placed_{index}" for index in range(FILES)}
    assert handlers <= report.handlers()
    assert all(row["calls"] == 1 for row in report.receivers), report.receivers
