"""The static map as JSON: the machine-readable output of ``signaltrace scan``.

Format history (``"format"``):

* 1: first version. ``files_skipped``, ``definitions``, ``receivers``, ``senders``,
  ``disconnects``, ``signals``; receivers carry ``dead``.
"""

from __future__ import annotations

import json
from typing import Any

from pytest_signaltrace import __version__
from pytest_signaltrace.model import StaticMap, to_jsonable

FORMAT_VERSION = 1


def scan_to_dict(static_map: StaticMap) -> dict[str, Any]:
    """The JSON-ready document for ``static_map`` (rows already sorted by the scan)."""
    receivers = []
    for receiver in static_map.receivers:
        row = to_jsonable(receiver)
        row["dead"] = static_map.is_dead(receiver)
        receivers.append(row)
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
        "signals": to_jsonable(static_map.signals),
    }


def render_scan_json(static_map: StaticMap) -> str:
    """The static map as an indented JSON document with a trailing newline."""
    return json.dumps(scan_to_dict(static_map), indent=2, sort_keys=False) + "\n"
