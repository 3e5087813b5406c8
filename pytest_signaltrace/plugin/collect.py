"""Gather the run's traces: this process's (with its subprocesses' fragments), the xdist
workers' (each hands its own over), and with ``--signal-append`` the data file's runs."""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.trace.faults import FaultLog
from pytest_signaltrace.trace.model import Trace

if TYPE_CHECKING:
    import pytest

    from pytest_signaltrace.datafile.paths import Appended
    from pytest_signaltrace.model import StaticMap
    from pytest_signaltrace.plugin.session import TraceSession
    from pytest_signaltrace.plugin.subprocesses import ChildTracing
    from pytest_signaltrace.settings import Settings
    from pytest_signaltrace.trace.recorder import Recorder

#: The key of a worker's trace in ``config.workeroutput``.
WORKER_OUTPUT_KEY = "signaltrace"
#: The key of a worker's faults in ``config.workeroutput``: ``{"count": int, "faults": [str]}``.
WORKER_FAULTS_KEY = "signaltrace_faults"


def own_trace(
    recorder: Recorder | None, children: ChildTracing | None, faults: FaultLog
) -> Trace:
    """What this process recorded (nothing without a recorder: the xdist controller), with the
    fragments its tests' subprocesses left.

    Raises what the recorder's snapshot raises (the caller reports it as a fault); a fault in
    reading the fragments is one fault, and the process's own trace still counts.
    """
    trace = recorder.snapshot() if recorder is not None else Trace()
    if children is not None:
        try:
            trace = trace.merge(children.collect())
        except Exception as exc:
            faults.report("reading the traces of subprocesses", exc)
    return trace


def finish_worker(config: pytest.Config, session: TraceSession) -> None:
    """An xdist worker: its trace and its faults go to the controller (which names a worker
    whose trace could not be taken as missing)."""
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is None:
        return
    try:
        trace = own_trace(session.recorder, session.stop(), session.faults)
    except Exception as exc:
        session.faults.report("taking the signal trace", exc)
        hand_over_faults(workeroutput, session.faults)
    else:
        hand_over(workeroutput, trace, session.faults)
    session.faults_reported = True


def hand_over(workeroutput: MutableMapping[str, object], trace: Trace, faults: FaultLog) -> None:
    """An xdist worker: its trace and its faults go to the controller."""
    try:
        # One compact JSON text, not the nested dict: execnet's serializer is pure Python and
        # built a chunk per item (a 15 MB peak in a worker of 1,000 tests); json is C, and
        # compact_json keeps its peak near the text's size.
        from pytest_signaltrace.trace.json_text import compact_json

        document = trace.to_json()
        workeroutput[WORKER_OUTPUT_KEY] = compact_json(document)
        del document
    except Exception as exc:  # the controller then names this worker as missing
        faults.report("taking the signal trace", exc)
    hand_over_faults(workeroutput, faults)


def hand_over_faults(workeroutput: MutableMapping[str, object], faults: FaultLog) -> None:
    """An xdist worker's faults, for the controller to report with its own."""
    workeroutput[WORKER_FAULTS_KEY] = {"count": faults.count, "faults": list(faults.distinct)}


def read_worker_trace(worker: str, data: object, faults: FaultLog) -> Trace | None:
    """The trace a worker sent back, a JSON text (or a dict); ``None`` when it sent none, or
    one that cannot be read (a fault)."""
    if not isinstance(data, str | dict):
        return None
    try:
        document = json.loads(data) if isinstance(data, str) else data
        return Trace.from_json(document)
    except (ValueError, KeyError, TypeError) as exc:
        faults.report(f"reading the signal trace of worker {worker}", exc)
        return None


def read_worker_faults(worker: str, data: object, faults: FaultLog) -> None:
    """Add the faults a worker sent back (see :func:`hand_over_faults`) to ``faults``."""
    if not isinstance(data, dict):
        return
    count, described = data.get("count"), data.get("faults")
    if isinstance(count, int) and count > 0 and isinstance(described, list):
        faults.add_descriptions([str(f) for f in described], count, prefix=f"worker {worker}: ")


def appended_data(settings: Settings, rootdir: Path, static: StaticMap) -> Appended | None:
    """``--signal-append``: the data file's data, to join this run's in the report and the
    data file (not with ``parallel``, whose every run writes a file of its own)."""
    if not settings.append or settings.parallel or settings.data_file is None:
        return None
    from pytest_signaltrace.datafile.paths import load_appended

    return load_appended(
        settings.data_file,
        static,
        rootdir=rootdir,
        sources=settings.sources,
        exclude=settings.exclude,
    )


def run_trace(own: Trace, workers: Mapping[str, Trace]) -> Trace:
    """This run's trace: this process's merged with every worker's, in worker order (in time
    linear in their size, see :meth:`Trace.merged`)."""
    if not workers:
        return own
    return Trace.merged([own, *(workers[worker] for worker in sorted(workers))])


def with_appended(trace: Trace, appended: Appended | None) -> Trace:
    """The report's trace: the data file's (``--signal-append``), then this run's."""
    if appended is not None and appended.trace is not None:
        return appended.trace.merge(trace)
    return trace


def all_missing_workers(missing: Sequence[str], appended: Appended | None) -> list[str]:
    """The workers that sent no trace back, this run's and the appended runs'."""
    workers = list(missing)
    if appended is not None:
        workers.extend(w for w in appended.missing_workers if w not in workers)
    return workers
