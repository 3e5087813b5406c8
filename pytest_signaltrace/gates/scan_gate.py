"""The static gate of ``signaltrace scan --fail-on``: findings of the static map, a baseline of
accepted ones, and the lines that explain them (a pre-commit hook's output).

A receiver is ``dead`` when nothing in the code sends its signal and no unresolved send site
(nor skipped file) might; then it is ``possibly-dead``, a kind of its own that a gate asks for
by name, as ``possibly-unused`` and ``possibly-never-sent`` (the default kinds are the certain
ones). Test code and excluded receivers are left out. A finding's identity leaves the line
out, so a baseline survives code moving around it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from pytest_signaltrace.merge.verdicts import PossibleSenders
from pytest_signaltrace.model import Receiver, SignalInfo, SignalStatus, StaticMap
from pytest_signaltrace.output import write_text
from pytest_signaltrace.record import Record
from pytest_signaltrace.report.words import counted, sites_text
from pytest_signaltrace.scan.derive import possibly_dead_receivers

#: The certain kinds: what ``--write-baseline`` records when no kinds are given.
DEFAULT_KINDS = ("dead", "unused", "never-sent")
FINDING_KINDS = (*DEFAULT_KINDS, "possibly-dead", "possibly-unused", "possibly-never-sent")
#: Each kind as a clean run's line says it ("nothing dead or possibly dead").
_KIND_WORDS = {kind: kind.replace("-", " ") for kind in FINDING_KINDS}
_SIGNAL_KINDS = {
    "unused": SignalStatus.UNUSED,
    "never-sent": SignalStatus.NEVER_SENT,
    "possibly-unused": SignalStatus.POSSIBLY_UNUSED,
    "possibly-never-sent": SignalStatus.POSSIBLY_NEVER_SENT,
}
_BASELINE_FORMAT = "pytest-signaltrace-baseline"
_BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read; the message is one line."""


class Finding(Record, ordered=True):
    """One problem of the static map."""

    path: str
    line: int
    #: One of :data:`FINDING_KINDS`.
    kind: str
    #: The receiver's handler id, or the signal id.
    name: str
    signal: str
    #: For a ``possibly-*`` finding: the unresolved send sites that might send the signal.
    might: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity in a baseline: everything but the line."""
        return (self.kind, self.path, self.name, self.signal)

    def describe(self) -> str:
        """``path:line: what is wrong``, as linters print it."""
        where = f"{self.path}:{self.line}"
        might = f"; might be sent by {self.might}" if self.might else ""
        if self.kind == "dead":
            return f"{where}: dead receiver {self.name}: nothing sends {self.signal}"
        if self.kind == "unused":
            return f"{where}: unused signal {self.signal}: no receivers and nothing sends it"
        if self.kind == "never-sent":
            return f"{where}: signal {self.signal} is never sent, though it has receivers"
        if self.kind == "possibly-dead":
            return (
                f"{where}: possibly dead receiver {self.name}: nothing certain sends "
                f"{self.signal}{might}"
            )
        if self.kind == "possibly-unused":
            return (
                f"{where}: possibly unused signal {self.signal}: no receivers and nothing "
                f"certain sends it{might}"
            )
        return (
            f"{where}: signal {self.signal} is possibly never sent, though it has receivers"
            f"{might}"
        )


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
    possible = PossibleSenders(static.senders, static.files_skipped)
    if "dead" in wanted:
        found += [
            Finding(r.path, r.line, "dead", r.handler, r.signal or "")
            for r in checked_receivers(static)
            if static.is_dead(r)
        ]
    if "possibly-dead" in wanted:
        maybe = possibly_dead_receivers(static.receivers, static.signals)
        found += [
            Finding(
                r.path,
                r.line,
                "possibly-dead",
                r.handler,
                r.signal or "",
                sites_text(possible.of(r.signal or "")),
            )
            for r in checked_receivers(static)
            if (r.path, r.line, r.signal) in maybe
        ]
    for kind, status in _SIGNAL_KINDS.items():
        if kind not in wanted:
            continue
        might = kind.startswith("possibly-")
        found += [
            Finding(
                s.definition_path or "",
                s.definition_line or 0,
                kind,
                s.signal,
                s.signal,
                sites_text(possible.of(s.signal)) if might else "",
            )
            for s in checked_signals(static)
            if s.status is status
        ]
    return sorted(found)


def checked_receivers(static: StaticMap) -> list[Receiver]:
    """The receivers a gate judges: not test code, not excluded."""
    return [r for r in static.receivers if not r.test_only and not r.excluded]


def checked_signals(static: StaticMap) -> list[SignalInfo]:
    """The signals a gate judges: all but those defined in test code."""
    test_only = {d.signal for d in static.definitions if d.test_only}
    return [s for s in static.signals if s.signal not in test_only]


def clean_line(static: StaticMap, kinds: Iterable[str]) -> str:
    """What a gate with no new finding checked: ``checked 15 receivers, 19 signals: nothing
    dead or unused``; with ``dead`` but not ``possibly-dead`` asked for, how many receivers
    are possibly dead, and the kind that gates on them."""
    kinds = list(kinds)
    words = [_KIND_WORDS[kind] for kind in kinds]
    said = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    receivers = counted(len(checked_receivers(static)), "receiver")
    signals = counted(len(checked_signals(static)), "signal")
    line = f"checked {receivers}, {signals}: nothing {said}"
    if "dead" in kinds and "possibly-dead" not in kinds:
        maybe = len(find(static, ["possibly-dead"]))
        if maybe:
            line += f" ({counted(maybe, 'receiver')} possibly dead: --fail-on possibly-dead)"
    return line


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
