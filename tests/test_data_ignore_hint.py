"""The first run's hint on keeping the data file out of git: shown once, only in a git checkout
whose ``.gitignore`` files do not ignore the data file already."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_signaltrace.datafile.ignore_hint import gitignore_hint


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A git checkout's top (a ``.git`` folder is all the hint looks for)."""
    (tmp_path / ".git").mkdir()
    return tmp_path


def _hint(data_file: Path, *, created: bool = True, configured: Path | None = None) -> str | None:
    return gitignore_hint(
        data_file, configured=configured or data_file, rootdir=data_file.parent, created=created
    )


def test_a_new_data_file_in_a_checkout_that_does_not_ignore_it_gets_the_hint(
    checkout: Path,
) -> None:
    assert _hint(checkout / ".signaltrace") == (
        "wrote the data file .signaltrace (for signaltrace report, combine and diff); "
        "keep it out of git: add '.signaltrace*' to .gitignore"
    )


def test_a_data_file_that_was_there_before_the_run_gets_none(checkout: Path) -> None:
    assert _hint(checkout / ".signaltrace", created=False) is None


def test_outside_a_git_checkout_there_is_no_hint(tmp_path: Path) -> None:
    assert _hint(tmp_path / ".signaltrace") is None


@pytest.mark.parametrize(
    "pattern",
    [".signaltrace", "/.signaltrace", ".signaltrace*", "*.signaltrace", "**/.signaltrace", ".*"],
)
def test_a_gitignore_pattern_that_matches_the_data_file_silences_it(
    checkout: Path, pattern: str
) -> None:
    (checkout / ".gitignore").write_text(f"# build output\n{pattern}\n")
    assert _hint(checkout / ".signaltrace") is None


@pytest.mark.parametrize("pattern", [".coverage", "!.signaltrace", "# .signaltrace", "sub/"])
def test_a_gitignore_that_does_not_ignore_it_keeps_the_hint(checkout: Path, pattern: str) -> None:
    (checkout / ".gitignore").write_text(f"{pattern}\n")
    assert _hint(checkout / ".signaltrace") is not None


def test_a_gitignore_of_a_parent_folder_up_to_the_checkouts_top_counts(checkout: Path) -> None:
    (checkout / ".gitignore").write_text("backend/.signaltrace\n")
    backend = checkout / "backend"
    backend.mkdir()
    assert _hint(backend / ".signaltrace") is None


def test_an_ignored_folder_ignores_the_data_file_in_it(checkout: Path) -> None:
    (checkout / ".gitignore").write_text("build/\n")
    (checkout / "build").mkdir()
    assert _hint(checkout / "build" / "signals.data") is None


def test_a_parallel_file_suggests_the_configured_name_with_a_star(checkout: Path) -> None:
    (checkout / ".gitignore").write_text(".signaltrace\n")  # not .signaltrace.<host>.<pid>...
    hint = _hint(checkout / ".signaltrace.host.12.abc", configured=checkout / ".signaltrace")
    assert hint is not None
    assert "'.signaltrace*'" in hint
