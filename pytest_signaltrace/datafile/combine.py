"""Combining the data of several runs of the same source (CI shards, ``--signal-append``)
into one, each run counted once."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from pytest_signaltrace import __version__
from pytest_signaltrace.datafile.format import DataFileError, RunData, run_ids, utc_now
from pytest_signaltrace.model import StaticMap
from pytest_signaltrace.trace.model import Trace


def combine(
    inputs: Iterable[tuple[str, RunData]], *, on_skip: Callable[[str, str], None] | None = None
) -> RunData:
    """Merge the data of several runs of the same source (CI shards) into one.

    Traces are merged (counts summed, test sets united), missing workers and run ids united.
    An input whose runs are all included already (the same file twice, or a previous output of
    ``combine`` given again) is skipped, and ``on_skip(name, reason)`` is told: counts never
    double. One that holds some included runs and some new ones cannot be added exactly and is
    refused. The inputs must describe the same source: equal static maps (records, not the file
    counts), sources and exclusion patterns, otherwise :class:`DataFileError` names the first
    file that differs. The rootdir is the first input's; the trace paths are rootdir-relative,
    so shards checked out in different folders combine.
    """
    named = [(name, data, run_ids(data)) for name, data in inputs]
    if not named:
        raise DataFileError("nothing to combine")
    first_name, first, _ = named[0]
    # The inputs that hold the most runs first: a previous output given after the shards it
    # holds makes them the ones skipped, not itself refused.
    ordered = sorted(named, key=lambda item: -len(item[2]))
    trace: Trace | None = None
    missing: set[str] = set()
    included: dict[str, str] = {}
    for name, data, runs in ordered:
        already = [run for run in runs if run in included]
        if already and len(already) == len(runs):
            if on_skip is not None:
                on_skip(name, f"its data is already included (from {included[already[0]]})")
            continue
        if already:
            raise DataFileError(
                f"cannot combine {name}: it holds some of the runs of {included[already[0]]} "
                "but not all, so they would be counted twice; combine the original files"
            )
        difference = _difference(first, data)
        if difference:
            raise DataFileError(
                f"cannot combine {name} with {first_name}: {difference}; combine only the data "
                "of runs of the same source (same commit and settings)"
            )
        trace = data.trace if trace is None else trace.merge(data.trace)
        missing.update(data.missing_workers)
        included.update(dict.fromkeys(runs, name))
    assert trace is not None  # the first input of ``ordered`` is always taken
    return dataclasses.replace(
        first,
        trace=trace,
        missing_workers=tuple(sorted(missing)),
        tool=f"pytest-signaltrace {__version__}",
        created=utc_now(),
        runs=tuple(sorted(included)),
    )


def difference(left: RunData, right: RunData) -> str:
    """How the sources of two runs differ (so that their data cannot combine), or ``""``."""
    return _difference(left, right)


def _difference(left: RunData, right: RunData) -> str:
    """How two runs' sources differ, or ``""``."""
    if left.sources != right.sources:
        return f"they scanned different folders ({list(left.sources)} != {list(right.sources)})"
    if left.exclude != right.exclude:
        return "their exclusion patterns differ"
    ours, theirs = _static_records(left.static), _static_records(right.static)
    changed = [key for key in ours if ours[key] != theirs[key]]
    if changed:
        return "their static maps differ (" + ", ".join(changed) + ")"
    return ""


def _static_records(static: StaticMap) -> dict[str, object]:
    return {
        "definitions": static.definitions,
        "receivers": static.receivers,
        "senders": static.senders,
        "disconnects": static.disconnects,
        "unresolved connects": static.unresolved_connects,
        "dead receivers": static.dead_receivers,
        "skipped files": static.files_skipped,
    }
