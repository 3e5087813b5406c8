"""Signal coverage as Cobertura XML (``--signal-report=xml``), the format Codecov, SonarQube,
GitLab and Jenkins read for line coverage.

Each counted receiver (its decorator or ``connect(`` line) and each counted send site (the first
line of the call) is a ``<line>`` whose ``hits`` is how often it ran. A line holding several of
them (``@receiver([a, b])``) is a branch line: ``condition-coverage`` says how many of them ran,
so a partly exercised line shows as partial. Valid against Cobertura's ``coverage-04.dtd``.
Upload it under its own flag (for example ``codecov -F signals``) so that it does not mix with
line coverage.
"""

from __future__ import annotations

import os
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from posixpath import basename, dirname, splitext

from pytest_signaltrace import __version__
from pytest_signaltrace.model import Report
from pytest_signaltrace.report.coverage_lines import CoverageFile, coverage_files

_DOCTYPE = '<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">'


def render_cobertura(report: Report, source: str = ".") -> str:
    """The report as a Cobertura XML document; ``source`` is the folder paths are relative to.

    The timestamp is ``$SOURCE_DATE_EPOCH`` when set (reproducible builds), else now.
    """
    files = coverage_files(report)
    root = ET.Element("coverage", _rates(files))
    root.set("version", f"pytest-signaltrace {__version__}")
    root.set("timestamp", str(_timestamp_ms()))
    ET.SubElement(ET.SubElement(root, "sources"), "source").text = source
    packages = ET.SubElement(root, "packages")
    by_package: dict[str, list[CoverageFile]] = defaultdict(list)
    for file in files:
        by_package[dirname(file.path).replace("/", ".") or "."].append(file)
    for name in sorted(by_package):
        rates = _rates(by_package[name], totals=False)
        package = ET.SubElement(packages, "package", {"name": name, **rates})
        classes = ET.SubElement(package, "classes")
        for file in by_package[name]:
            _add_class(classes, file)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" ?>\n{_DOCTYPE}\n{body}\n'


def _add_class(classes: ET.Element, file: CoverageFile) -> None:
    attributes = {"name": splitext(basename(file.path))[0], "filename": file.path}
    element = ET.SubElement(classes, "class", {**attributes, **_rates([file], totals=False)})
    ET.SubElement(element, "methods")
    lines = ET.SubElement(element, "lines")
    for line in file.sorted_lines():
        attrs = {"number": str(line.number), "hits": str(line.hits), "branch": "false"}
        if len(line.items) > 1:
            covered, total = line.covered_items, len(line.items)
            attrs["branch"] = "true"
            attrs["condition-coverage"] = f"{round(100 * covered / total)}% ({covered}/{total})"
        ET.SubElement(lines, "line", attrs)


def _rates(files: list[CoverageFile], *, totals: bool = True) -> dict[str, str]:
    """``line-rate`` and ``branch-rate`` (plus the counts the root element carries)."""
    lines_valid = sum(len(file.lines) for file in files)
    lines_covered = sum(file.covered for file in files)
    multi = [line for file in files for line in file.lines.values() if len(line.items) > 1]
    branches_valid = sum(len(line.items) for line in multi)
    branches_covered = sum(line.covered_items for line in multi)
    rates = {
        "line-rate": _rate(lines_covered, lines_valid),
        "branch-rate": _rate(branches_covered, branches_valid),
        "complexity": "0",
    }
    if totals:
        rates |= {
            "lines-covered": str(lines_covered),
            "lines-valid": str(lines_valid),
            "branches-covered": str(branches_covered),
            "branches-valid": str(branches_valid),
        }
    return rates


def _rate(covered: int, total: int) -> str:
    return f"{covered / total:.4g}" if total else "1"


def _timestamp_ms() -> int:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(epoch) * 1000 if epoch.isdigit() else int(time.time() * 1000)
