"""The static map as JSON: the machine-readable output of ``signaltrace scan``.

Format history (``"format"``):

* 1: first version. ``files_skipped``, ``definitions``, ``receivers``, ``senders``,
  ``disconnects``, ``signals``; receivers carry ``dead``. Later, within version 1 (only new
  keys and values, so readers of the first layout still work): senders carry
  ``signal_candidates``; receivers carry ``possibly_dead``; signals carry ``possible_senders``
  (the unresolved send sites that might send them) and may be ``possibly_never_sent`` or
  ``possibly_unused``; ``unresolved_connects`` (``connect`` calls on objects that may not
  be signals; receivers no longer carry them with ``signal: null``); readers take a missing
  key as empty. Skipped files carry ``may_send`` (missing: ``true``); one that may send is a
  possible sender of any signal, named with line 0. Signals may be ``test_receivers_only``
  (sent, and received only by test code).
"""

from __future__ import annotations

import json
from typing import Any

from pytest_signaltrace import __version__
from pytest_signaltrace.merge.verdicts import PossibleSenders
from pytest_signaltrace.model import StaticMap, to_jsonable
from pytest_signaltrace.scan.derive import possibly_dead_receivers

FORMAT_VERSION = 1


def scan_to_dict(static_map: StaticMap) -> dict[str, Any]:
    """The JSON-ready document for ``static_map`` (rows already sorted by the scan)."""
    maybe = possibly_dead_receivers(static_map.receivers, static_map.signals)
    receivers = []
    for receiver in static_map.receivers:
        row = to_jsonable(receiver)
        row["dead"] = static_map.is_dead(receiver)
        row["possibly_dead"] = (receiver.path, receiver.line, receiver.signal) in maybe
        receivers.append(row)
    possible = PossibleSenders(static_map.senders, static_map.files_skipped)
    signals = []
    #: id of a tuple of sites (kept alive by ``possible``) -> its rows: most signals share one.
    site_rows: dict[int, list[Any]] = {}
    for info in static_map.signals:
        row = to_jsonable(info)
        if info.status.value.startswith("possibly_"):
            sites = possible.of(info.signal)
            rows = site_rows.get(id(sites))
            if rows is None:
                rows = site_rows[id(sites)] = to_jsonable(sites)
            row["possible_senders"] = list(rows)
        else:
            row["possible_senders"] = []
        signals.append(row)
    return {
        "format": FORMAT_VERSION,
        "tool": f"pytest-signaltrace {__version__}",
        "root": static_map.root,
        "files_scanned": static_map.files_scanned,
        "files_parsed": static_map.files_parsed,
        "files_skipped": to_jsonable(static_map.files_skipped),
        "definitions": to_jsonable(static_map.definitions),
        "receivers": receivers,
        "senders": to_jsonable(static_map.senders),
        "disconnects": to_jsonable(static_map.disconnects),
        "signals": signals,
        "unresolved_connects": to_jsonable(static_map.unresolved_connects),
    }


def render_scan_json(static_map: StaticMap) -> str:
    """The static map as an indented JSON document with a trailing newline."""
    return json.dumps(scan_to_dict(static_map), indent=2, sort_keys=False) + "\n"
