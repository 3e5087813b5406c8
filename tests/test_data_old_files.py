"""Data files written by earlier versions read as the ones written now."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from data_samples import write_project

from pytest_signaltrace.datafile.data import (
    RunData,
    combine,
    read_data,
    run_ids,
    static_map_from_dict,
)
from pytest_signaltrace.merge.replay import report_of
from pytest_signaltrace.report.json_report import render_json
from pytest_signaltrace.scan import scan
from pytest_signaltrace.trace.model import Trace

#: Written by pytest-signaltrace at 6bf661b^, before empty files were scanned: its
#: ``tests/data_samples.py`` project plus an empty ``shop/models.py`` and a ``shop/blob.py``
#: holding a NUL byte, scanned, with ``sample_trace(root, calls=2)``, by ``RunData.from_run``
#: and ``write_data`` (no run ids yet). It lists ``shop/models.py`` as skipped, "empty file".
BEFORE_EMPTY_FILES_WERE_SCANNED = Path(__file__).parent / "fixtures" / "data-6bf661b-parent.json"


def _project(root: Path) -> Path:
    """The project the old data file describes, written under ``root``."""
    write_project(root)
    (root / "shop" / "models.py").write_text("")
    (root / "shop" / "blob.py").write_bytes(b"x = 1\0\n")
    return root


def _as_written() -> RunData:
    """The old data file, read without the reader's corrections."""
    document = json.loads(BEFORE_EMPTY_FILES_WERE_SCANNED.read_text(encoding="utf-8"))
    return RunData(
        static=static_map_from_dict(document["static"]),
        trace=Trace.from_json(document["trace"]),
        rootdir=document["rootdir"],
        sources=tuple(document["sources"]),
        exclude=tuple(document["exclude"]),
        missing_workers=tuple(document["missing_workers"]),
        tool=document["tool"],
        created=document["created"],
    )


def test_the_old_file_lists_an_empty_file_as_skipped() -> None:
    skipped = {(f.path, f.reason) for f in _as_written().static.files_skipped}
    assert ("shop/models.py", "empty file") in skipped


def test_an_old_file_reads_with_empty_files_scanned_as_a_scan_of_now_has_them(
    tmp_path: Path,
) -> None:
    old = read_data(BEFORE_EMPTY_FILES_WERE_SCANNED).static
    now = scan(_project(tmp_path), relative_to=tmp_path)
    assert old.files_skipped == now.files_skipped  # the NUL byte file stays skipped
    assert [f.reason for f in old.files_skipped] == ["contains NUL bytes (binary file?)"]
    assert (old.files_scanned, old.files_parsed) == (now.files_scanned, now.files_parsed)


def test_an_old_file_reports_as_the_same_run_written_now(tmp_path: Path) -> None:
    old = read_data(BEFORE_EMPTY_FILES_WERE_SCANNED)
    now = dataclasses.replace(old, static=scan(_project(tmp_path), relative_to=tmp_path))
    assert render_json(report_of(old)) == render_json(report_of(now))


def test_an_old_file_combines_with_one_written_now(tmp_path: Path) -> None:
    old = read_data(BEFORE_EMPTY_FILES_WERE_SCANNED)
    now = dataclasses.replace(
        old, static=scan(_project(tmp_path), relative_to=tmp_path), runs=("a-run-of-now",)
    )
    combined = combine([("old", old), ("now", now)])
    assert sum(combined.trace.receiver_calls.values()) == 4  # 2 calls in each


def test_an_old_file_keeps_the_run_id_of_its_content_as_written() -> None:
    # A combine of the file done before this reader holds that id: the file must still be
    # recognised as included, not counted twice.
    assert run_ids(read_data(BEFORE_EMPTY_FILES_WERE_SCANNED)) == run_ids(_as_written())


def test_a_version_2_file_reads_with_no_senders_seen(tmp_path: Path) -> None:
    data = read_data(BEFORE_EMPTY_FILES_WERE_SCANNED)
    assert json.loads(BEFORE_EMPTY_FILES_WERE_SCANNED.read_text("utf-8"))["version"] == 2
    assert data.trace.senders_seen == {}
    assert all(row.senders_seen == () for row in report_of(data).receivers)
