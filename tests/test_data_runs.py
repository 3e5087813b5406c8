"""Run ids in data files: ``combine`` skips data already included; parallel data file names;
the ``append`` and ``parallel`` settings."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from data_samples import sample_run

from pytest_signaltrace.datafile.data import (
    DataFileError,
    RunData,
    combine,
    data_from_json,
    read_data,
    run_ids,
    write_data,
)
from pytest_signaltrace.datafile.paths import parallel_files, parallel_name
from pytest_signaltrace.settings import ConfigError, check_table


def calls_of(data: RunData) -> int:
    """The calls of the sample project's one receiver."""
    return sum(data.trace.receiver_calls.values())


def test_every_run_gets_an_id_of_its_own_that_the_data_file_keeps(tmp_path: Path) -> None:
    first, second = sample_run(tmp_path), sample_run(tmp_path)
    assert len(first.runs) == 1
    assert first.runs != second.runs
    write_data(tmp_path / "d", first)
    assert read_data(tmp_path / "d").runs == first.runs
    assert json.loads((tmp_path / "d").read_text())["runs"] == list(first.runs)


def test_combining_a_b_then_adding_b_again_changes_nothing(tmp_path: Path) -> None:
    a = sample_run(tmp_path, calls=2, test="test_a")
    b = sample_run(tmp_path, calls=3, test="test_b")
    ab = combine([("a", a), ("b", b)])
    assert calls_of(ab) == 5
    assert ab.runs == tuple(sorted(a.runs + b.runs))
    skipped: list[tuple[str, str]] = []
    again = combine([("b", b), ("ab", ab)], on_skip=lambda *item: skipped.append(item))
    assert calls_of(again) == 5
    assert again.trace == ab.trace
    assert skipped == [("b", "its data is already included (from ab)")]


def test_the_same_file_twice_counts_once(tmp_path: Path) -> None:
    a = sample_run(tmp_path, calls=2)
    skipped: list[str] = []
    once = combine([("a", a), ("a", a)], on_skip=lambda name, _: skipped.append(name))
    assert calls_of(once) == 2
    assert skipped == ["a"]


def test_data_holding_some_included_runs_but_not_all_is_refused(tmp_path: Path) -> None:
    a, b, c = (sample_run(tmp_path) for _ in range(3))
    ab = combine([("a", a), ("b", b)])
    bc = combine([("b", b), ("c", c)])
    with pytest.raises(DataFileError, match="holds some of the runs of ab but not all"):
        combine([("ab", ab), ("bc", bc)])


def test_files_written_before_run_ids_are_read_and_the_same_one_counts_once(
    tmp_path: Path,
) -> None:
    document = sample_run(tmp_path, calls=2).to_json()
    del document["runs"]  # as a file of an earlier version
    old = data_from_json(json.loads(json.dumps(document)))
    assert old.runs == ()
    assert run_ids(old) == run_ids(data_from_json(json.loads(json.dumps(document))))
    assert calls_of(combine([("x", old), ("y", old)])) == 2
    other = data_from_json(json.loads(json.dumps(sample_run(tmp_path, calls=3).to_json())))
    other = dataclasses.replace(other, runs=())
    assert calls_of(combine([("x", old), ("z", other)])) == 5


def test_run_ids_that_are_not_strings_are_refused(tmp_path: Path) -> None:
    document = json.loads(json.dumps(sample_run(tmp_path).to_json()))
    document["runs"] = [1]
    with pytest.raises(DataFileError, match="runs"):
        data_from_json(document)


def test_parallel_names_are_coverages_and_are_found_beside_the_data_file(
    tmp_path: Path,
) -> None:
    base = tmp_path / ".signaltrace"
    names = {parallel_name(base) for _ in range(20)}
    assert len(names) > 1  # a random part: two runs of one process do not collide
    for name in names:
        assert name.parent == tmp_path
        assert re.fullmatch(r"\.signaltrace\..+\.\d+\.\d{6}", name.name)
    some = sorted(names)[:2]
    for name in some:
        name.write_text("x")
    for other in (
        ".signaltrace",
        ".signaltrace.json",
        ".signaltrace.a.b.c",
        "x.signaltrace.h.1.123456",
    ):
        (tmp_path / other).write_text("x")
    (tmp_path / ".signaltrace.dir.1.123456").mkdir()
    assert parallel_files(base) == some
    assert parallel_files(tmp_path / "missing" / ".signaltrace") == []


@pytest.mark.parametrize("key", ["append", "parallel"])
def test_append_and_parallel_in_pyproject_are_true_or_false(key: str) -> None:
    check_table({key: True}, Path("pyproject.toml"))
    with pytest.raises(ConfigError, match=f"{key} = 'yes' is not true or false"):
        check_table({key: "yes"}, Path("pyproject.toml"))


def test_a_new_run_id_is_a_version_4_uuid_in_hex_and_fresh_each_time() -> None:
    import uuid

    from pytest_signaltrace.datafile.format import new_run_id

    ids = [new_run_id() for _ in range(200)]
    assert len(set(ids)) == 200
    for run_id in ids:
        parsed = uuid.UUID(hex=run_id)
        assert parsed.hex == run_id
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
