"""Writing a data file: atomically, and under the data file's lock."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_signaltrace.datafile.format import RunData
from pytest_signaltrace.output import write_text


def write_data(path: Path, data: RunData) -> None:
    """Write the data file atomically; raises :class:`OSError` when it cannot be written."""
    write_text(path, json.dumps(data.to_json(), separators=(",", ":")) + "\n")
