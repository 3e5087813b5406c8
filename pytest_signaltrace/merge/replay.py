"""The report of a data file, rebuilt exactly as the run that wrote it built it.

It lives with the merge, not with the data file: the data file only stores a run (the static
map and the trace), and the stages below the merge never import it.
"""

from __future__ import annotations

from pathlib import Path

from pytest_signaltrace.datafile.format import RunData, absolute_path, map_trace_paths
from pytest_signaltrace.merge.merge import Exclusions, PathMapper, build_report
from pytest_signaltrace.model import Report


def report_of(data: RunData) -> Report:
    """The report of ``data``: its paths joined to its rootdir again, then merged."""
    root = data.rootdir
    trace = map_trace_paths(data.trace, lambda p: absolute_path(p, root))
    sources = [Path(absolute_path(s, root)) for s in data.sources]
    return build_report(
        data.static,
        trace,
        PathMapper(Path(root), sources),
        exclusions=Exclusions(data.exclude),
        missing_workers=data.missing_workers,
    )
