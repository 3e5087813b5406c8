"""``signaltrace run`` in pieces: the child's environment, fragments, unittest attribution."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import unittest
from pathlib import Path

import pytest
from data_samples import sample_trace

from pytest_signaltrace.datafile import child
from pytest_signaltrace.datafile.child import CONFIG_ENV, patch_unittest
from pytest_signaltrace.datafile.run import (
    SITECUSTOMIZE,
    exit_status,
    merge_fragments,
    prepare_environment,
)


def test_the_environment_puts_the_sitecustomize_folder_first_on_pythonpath(
    tmp_path: Path,
) -> None:
    env = prepare_environment(tmp_path, [Path("/src/app")], {"PYTHONPATH": "/mine", "HOME": "/h"})
    assert env["PYTHONPATH"].split(os.pathsep) == [str(tmp_path), "/mine"]
    assert env["HOME"] == "/h"
    config = json.loads(Path(env[CONFIG_ENV]).read_text())
    assert config == {"sources": ["/src/app"], "fragments": str(tmp_path / "fragments")}
    assert (tmp_path / "fragments").is_dir()
    assert (tmp_path / "sitecustomize.py").read_text() == SITECUSTOMIZE.replace("{env}", CONFIG_ENV)


def test_without_an_existing_pythonpath_only_the_folder_is_set(tmp_path: Path) -> None:
    assert prepare_environment(tmp_path, [], {})["PYTHONPATH"] == str(tmp_path)


def test_the_generated_sitecustomize_is_valid_python_that_names_the_variable() -> None:
    source = SITECUSTOMIZE.replace("{env}", CONFIG_ENV)
    compile(source, "sitecustomize.py", "exec")
    assert f'os.environ.get("{CONFIG_ENV}")' in source


def test_fragments_are_merged_and_unreadable_ones_are_noted(tmp_path: Path) -> None:
    trace = sample_trace(tmp_path, calls=2)
    for number in (1, 2):
        document = {"pid": number, "argv": [], "trace": trace.to_json()}
        (tmp_path / f"fragment-{number}-x.json").write_text(json.dumps(document))
    (tmp_path / "fragment-3-x.json").write_text("{cut")
    (tmp_path / "unrelated.json").write_text("{}")
    merged, read, bad = merge_fragments(tmp_path)
    assert read == 2
    assert merged == trace.merge(trace)
    assert [note.split(":")[0] for note in bad] == ["fragment-3-x.json"]


@pytest.mark.parametrize(("returncode", "status"), [(0, 0), (3, 3), (-15, 143), (-2, 130)])
def test_the_exit_status_is_the_commands_or_128_plus_the_signal(
    returncode: int, status: int
) -> None:
    assert exit_status(returncode) == status


def test_unittest_results_announce_each_test_id_and_none_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result_class = unittest.TestResult
    monkeypatch.setattr(result_class, "startTest", result_class.startTest)
    monkeypatch.setattr(result_class, "stopTest", result_class.stopTest)
    current: list[str | None] = [None]
    seen: list[str | None] = []

    class Checkout(unittest.TestCase):
        def test_one(self) -> None:
            seen.append(current[-1])

        def test_two(self) -> None:
            seen.append(current[-1])

    patch_unittest(current.append)
    patch_unittest(current.append)  # a second call changes nothing
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Checkout)
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    assert result.wasSuccessful()
    prefix = f"{__name__}.{Checkout.__qualname__}"
    assert seen == [f"{prefix}.test_one", f"{prefix}.test_two"]
    assert current[-1] is None
    assert current.count(None) == 3, "exactly one None after each test"


def test_without_the_variable_the_child_does_not_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    started: list[Path] = []
    monkeypatch.setattr(child, "start", started.append)
    child.start_from_environment()
    assert started == []


def test_a_fault_while_starting_is_one_line_on_stderr(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "missing.json"))
    child.start_from_environment()
    err = capsys.readouterr().err
    assert err.startswith("signaltrace: not tracing this process (FileNotFoundError(")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "missing",
    ["pytest_signaltrace"],  # another interpreter: the plugin is not installed there
)
def test_a_child_that_cannot_trace_leaves_its_stderr_alone(tmp_path: Path, missing: str) -> None:
    shadow = tmp_path / "shadow" / missing
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("import a_module_that_is_not_installed\n")
    env = prepare_environment(tmp_path / "hook", [tmp_path], dict(os.environ))
    # after the hook's folder, before site-packages: the shadow is what the child imports
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "hook"), str(tmp_path / "shadow")])
    done = subprocess.run(
        [sys.executable, "-c", "print('hello')"], env=env, capture_output=True, text=True
    )
    assert (done.stdout, done.stderr) == ("hello\n", "")
