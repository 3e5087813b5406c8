"""The static gate of ``signaltrace scan --fail-on``: findings of the static map, a baseline of
accepted ones, and the lines that explain them (a pre-commit hook's output).

Only certain verdicts are findings: a receiver is ``dead`` when nothing in the code sends its
signal and no unresolved send site might; ``possibly_*`` verdicts are never findings. Test code
and excluded receivers are left out. A finding's identity leaves the line out, so a baseline
survives code moving around it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pytest_signaltrace.model import SignalStatus, StaticMap
from pytest_signaltrace.output import write_text

FINDING_KINDS = ("dead", "unused", "never-sent")
_BASELINE_FORMAT = "pytest-signaltrace-baseline"
_BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read; the message is one line."""


@dataclass(frozen=True, order=True)
class Finding:
    """One problem of the static map."""

    path: str
    line: int
    #: One of :data:`FINDING_KINDS`.
    kind: str
    #: The receiver's handler id, or the signal id.
    name: str
    signal: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity in a baseline: everything but the line."""
        return (self.kind, self.path, self.name, self.signal)

    def describe(self) -> str:
        """``path:line: what is wrong``, as linters print it."""
        where = f"{self.path}:{self.line}"
        if self.kind == "dead":
            return f"{where}: dead receiver {self.name}: nothing sends {self.signal}"
        if self.kind == "unused":
            return f"{where}: unused signal {self.signal}: no receivers and nothing sends it"
        return f"{where}: signal {self.signal} is never sent, though it has receivers"


def parse_kinds(text: str) -> tuple[str, ...]:
    """``dead,unused`` -> the kinds; ``ValueError`` naming an unknown one."""
    kinds = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [kind for kind in kinds if kind not in FINDING_KINDS]
    if unknown or not kinds:
        raise ValueError(
            f"unknown finding {', '.join(unknown) or '(none)'}; choose from "
            f"{','.join(FINDING_KINDS)}"
        )
    return kinds


def find(static: StaticMap, kinds: Iterable[str]) -> list[Finding]:
    """The findings of ``kinds`` in ``static``, sorted."""
    wanted = set(kinds)
    found: list[Finding] = []
    if "dead" in wanted:
        found += [
            Finding(r.path, r.line, "dead", r.handler, r.signal or "")
            for r in static.receivers
            if static.is_dead(r) and not r.test_only and not r.excluded
        ]
    statuses = {"unused": SignalStatus.UNUSED, "never-sent": SignalStatus.NEVER_SENT}
    for kind, status in statuses.items():
        if kind not in wanted:
            continue
        found += [
            Finding(s.definition_path or "", s.definition_line or 0, kind, s.signal, s.signal)
            for s in static.signals
            if s.status is status and not _test_only_signal(static, s.signal)
        ]
    return sorted(found)


def _test_only_signal(static: StaticMap, signal: str) -> bool:
    return any(d.signal == signal and d.test_only for d in static.definitions)


def read_baseline(path: Path) -> set[tuple[str, str, str, str]]:
    """The accepted findings' keys of a baseline written by :func:`write_baseline`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read the baseline {path}: {exc.strerror or exc}") from None
    except (ValueError, RecursionError):
        raise BaselineError(f"{path} is not a signaltrace baseline (not JSON)") from None
    if not isinstance(data, dict) or data.get("format") != _BASELINE_FORMAT:
        raise BaselineError(f"{path} is not a signaltrace baseline")
    if data.get("version") != _BASELINE_VERSION:
        raise BaselineError(f"{path}: unsupported baseline version {data.get('version')!r}")
    keys: set[tuple[str, str, str, str]] = set()
    for entry in data.get("findings", ()):
        fields = [entry.get(name) if isinstance(entry, dict) else None for name in _KEY_FIELDS]
        kind, where, name, signal = (value if isinstance(value, str) else None for value in fields)
        if kind is None or where is None or name is None or signal is None:
            raise BaselineError(f"{path}: a damaged finding: {entry!r:.80}")
        keys.add((kind, where, name, signal))
    return keys


_KEY_FIELDS = ("kind", "path", "name", "signal")


def write_baseline(path: Path, findings: Iterable[Finding]) -> None:
    """Write ``findings`` as the accepted ones, sorted, so that a diff of it reviews well."""
    entries = [
        dict(zip(_KEY_FIELDS, key, strict=True)) for key in sorted({f.key for f in findings})
    ]
    document = {"format": _BASELINE_FORMAT, "version": _BASELINE_VERSION, "findings": entries}
    write_text(path, json.dumps(document, indent=2) + "\n")


def new_findings(
    findings: Iterable[Finding], baseline: set[tuple[str, str, str, str]]
) -> list[Finding]:
    """The findings not accepted in ``baseline``."""
    return [f for f in findings if f.key not in baseline]
