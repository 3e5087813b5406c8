"""Signal coverage as an LCOV tracefile (``--signal-report=lcov``), for Codecov, Coveralls,
genhtml and editors' coverage gutters.

One record per file: each counted receiver is a function (``FN``/``FNDA``, named by its
handler id, at its decorator or ``connect(`` line) and a line (``DA``); each counted send site is
a line. Hits are how often each ran. Format: the ``geninfo(1)`` manual page.
"""

from __future__ import annotations

from pytest_signaltrace.model import Report
from pytest_signaltrace.report.coverage_lines import CoverageFile, coverage_files


def render_lcov(report: Report, test_name: str = "signaltrace") -> str:
    """The report as LCOV tracefile text, files sorted by path."""
    out = []
    for file in coverage_files(report):
        out.append(f"TN:{test_name}")
        out.extend(_record(file))
        out.append("end_of_record")
    return "".join(f"{line}\n" for line in out)


def _record(file: CoverageFile) -> list[str]:
    lines = file.sorted_lines()
    functions = [
        (line.number, item.name, item.hits)
        for line in lines
        for item in line.items
        if item.kind == "receiver"
    ]
    summed = _summed(functions)
    out = [f"SF:{file.path}"]
    out += [f"FN:{number},{_name(name)}" for number, name in _first_lines(functions)]
    out += [f"FNDA:{hits},{_name(name)}" for name, hits in summed]
    out += [f"FNF:{len(summed)}", f"FNH:{sum(1 for _, hits in summed if hits)}"]
    out += [f"DA:{line.number},{line.hits}" for line in lines]
    out += [f"LF:{len(lines)}", f"LH:{file.covered}"]
    return out


def _first_lines(functions: list[tuple[int, str, int]]) -> list[tuple[int, str]]:
    """One ``FN`` per handler, at its first line (a handler may receive several signals)."""
    first: dict[str, int] = {}
    for number, name, _ in functions:
        first.setdefault(name, number)
    return sorted((number, name) for name, number in first.items())


def _summed(functions: list[tuple[int, str, int]]) -> list[tuple[str, int]]:
    """One ``FNDA`` per handler, with the calls of all its signals added up."""
    totals: dict[str, int] = {}
    for _, name, hits in functions:
        totals[name] = totals.get(name, 0) + hits
    return sorted(totals.items())


def _name(name: str) -> str:
    # LCOV separates fields with commas; a handler id has none, but keep every record sound.
    return name.replace(",", "_")
