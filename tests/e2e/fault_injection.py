"""Fault injection for the end-to-end tests: ``conftest.py`` sources that make one part of the
plugin raise inside the inner pytest run, and a project receiver to count.

Each ``broken(target, what)`` replaces ``module.attribute`` with a function that raises
``RuntimeError("simulated fault in WHAT")`` (or another exception type).
"""

from __future__ import annotations


def broken(target: str, what: str, error: str = "RuntimeError") -> str:
    """A ``conftest.py`` source that replaces ``target`` (``module.attr`` or
    ``module.Class.attr``) with a function raising ``error("simulated fault in WHAT")``."""
    module, _, attribute = target.rpartition(".")
    owner = module
    parts = module.split(".")
    if parts[-1][:1].isupper():  # module.Class.attribute
        module = ".".join(parts[:-1])
    return (
        f"import {module}\n\n\n"
        f"def _broken(*args, **kwargs):\n"
        f"    raise {error}({('simulated fault in ' + what)!r})\n\n\n"
        f"{owner}.{attribute} = _broken\n"
    )


#: The merge of the static map and the trace raises (the session imports it when it merges).
BREAK_THE_MERGE = broken("pytest_signaltrace.merge.merge.build_report", "the merge")
#: Every traced send raises inside the plugin (the send itself must go through).
BREAK_THE_RECORDER = broken("pytest_signaltrace.trace.frames.SiteFinder.sites", "the recorder")
#: The terminal report raises while it is printed (imported when it is printed).
BREAK_THE_TERMINAL_REPORT = broken(
    "pytest_signaltrace.report.terminal.render_terminal", "the terminal report"
)
#: The recorder's snapshot (at the end of the run) raises.
BREAK_THE_SNAPSHOT = broken("pytest_signaltrace.trace.recorder.Recorder.snapshot", "the snapshot")

#: One project receiver of ``order_placed``, so that the coverage has something to count.
RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed


@receiver(order_placed)
def notify_warehouse(sender, **kwargs):
    pass
"""
