"""The report of a data file, rebuilt exactly as the run that wrote it built it.

It lives with the merge, not with the data file: the data file only stores a run (the static
map and the trace), and the stages below the merge never import it.
"""

from __future__ import annotations

from pathlib import Path

from pytest_signaltrace.datafile.format import RunData, absolute_path, map_trace_paths
from pytest_signaltrace.merge.merge import Exclusions, PathMapper, build_report
from pytest_signaltrace.model import Report
from pytest_signaltrace.trace.model import Trace


def report_of(data: RunData) -> Report:
    """The report of ``data``: its paths joined to its rootdir again, then merged."""
    trace, paths = replayed_trace(data)
    return build_report(
        data.static,
        trace,
        paths,
        exclusions=Exclusions(data.exclude),
        missing_workers=data.missing_workers,
    )


def replayed_trace(data: RunData) -> tuple[Trace, PathMapper]:
    """The trace of ``data`` with its paths joined to its rootdir again, and the run's path
    mapper (which tells the project's files: the receivers' cost rows name their paths so)."""
    root = data.rootdir
    trace = map_trace_paths(data.trace, lambda p: absolute_path(p, root))
    sources = [Path(absolute_path(s, root)) for s in data.sources]
    return trace, PathMapper(Path(root), sources)
