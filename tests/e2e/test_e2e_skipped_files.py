"""A source file the scan skips (too large, unparsable) is listed in every report, and with a
gate it fails the run, naming the file, the reason and how to exclude it: its receivers would
otherwise be silently missing from the count (a 100% gate passed with a live receiver that
never ran in a 2.2 MB module)."""

from __future__ import annotations

import json

import pytest
from e2e_project import DjangoProject, git

RECEIVERS = """
from django.dispatch import receiver

import shop.generated  # noqa: F401  (its receiver is connected, live)
from shop.signals import order_placed


@receiver(order_placed)
def notify_warehouse(sender, **kwargs):
    pass
"""

#: A receiver that is connected but never runs, in a module over the scan's 2 MiB limit.
GENERATED = (
    "from django.dispatch import receiver\n\n"
    "from shop.signals import order_shipped\n\n\n"
    "@receiver(order_shipped)\n"
    "def track_parcel(sender, **kwargs):\n"
    "    pass\n\n\n" + "# generated padding\n" * 120_000  # 2.4 MB
)

#: A module the scan cannot parse (never imported: the run itself is fine).
UNPARSABLE = """
from django.dispatch import receiver

from shop.signals import order_placed


@receiver(order_placed)
def on_placed(sender, **kwargs:
    pass
"""

TESTS = """
from shop.signals import order_placed


def test_place():
    order_placed.send(sender=None)
"""

SIZE = f"{len(GENERATED.encode()):,} bytes; the limit is 2,097,152"


@pytest.fixture
def huge_module(django_project: DjangoProject) -> DjangoProject:
    """A project whose one scanned receiver runs (100%) and whose live receiver in a 2.4 MB
    module never does."""
    django_project.write(**{"shop/receivers": RECEIVERS, "test_shop": TESTS})
    (django_project.pytester.path / "shop" / "generated.py").write_text(GENERATED, "utf-8")
    return django_project


def test_a_gate_fails_when_the_scan_skipped_a_source_file_and_says_how_to_exclude_it(
    huge_module: DjangoProject,
) -> None:
    result = huge_module.run("--signal-fail-under=100")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "WARNING: the scan skipped 1 file: "
            "their signals and receivers are missing from this report.",
            f"  shop/generated.py: too large ({SIZE})",
            "FAIL Required signal receiver coverage of 100% could not be checked: the scan "
            f"skipped shop/generated.py (too large ({SIZE})), so its receivers are not "
            "counted; to leave it out, add "
            '"shop/generated.py" to exclude ([tool.signaltrace]) or signaltrace_exclude',
        ]
    )
    result.stdout.no_fnmatch_line("*reached*")


def test_an_excluded_skipped_file_leaves_the_gate_alone(huge_module: DjangoProject) -> None:
    huge_module.ini("signaltrace_exclude = shop/generated.py\n")
    result = huge_module.run("--signal-fail-under=100")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "  shop/generated.py: too large *",  # still listed
            "Required signal receiver coverage of 100% reached. Total coverage: 100.00%",
        ]
    )


def test_without_a_gate_a_skipped_file_is_listed_and_the_outcome_stands(
    django_project: DjangoProject,
) -> None:
    django_project.write(**{"shop/broken": UNPARSABLE, "test_shop": TESTS})
    result = django_project.run(
        "--signal-report=term",
        "--signal-report=json:report.json",
        "--signal-report=markdown:report.md",
        "--signal-report=html:html",
    )
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "WARNING: the scan skipped 1 file: *",
            "  shop/broken.py: syntax error at line 8: *",
        ]
    )
    path = django_project.pytester.path
    skipped = json.loads((path / "report.json").read_text("utf-8"))["files_skipped"]
    assert [row["path"] for row in skipped] == ["shop/broken.py"]
    assert skipped[0]["reason"].startswith("syntax error at line 8")
    markdown = (path / "report.md").read_text("utf-8")
    assert "### Files the scan skipped (1)" in markdown
    assert "| `shop/broken.py` | syntax error at line 8" in markdown
    html = (path / "html" / "index.html").read_text("utf-8")
    assert '<code title="shop/broken.py">shop/broken.py</code>: syntax error at line 8' in html


def test_the_diff_gate_fails_when_the_scan_skipped_a_source_file(
    django_project: DjangoProject,
) -> None:
    django_project.write(**{"test_shop": TESTS})
    git(django_project, "init", "-q", "-b", "main")
    git(django_project, "add", "-A")
    git(django_project, "commit", "-q", "-m", "base")
    django_project.write(**{"shop/broken": UNPARSABLE})
    result = django_project.run("--signal-diff-compare-branch=main", "--signal-diff-fail-under=100")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "FAIL Required diff signal coverage of 100% could not be checked: the scan skipped "
            "shop/broken.py (syntax error at line 8: *), so its receivers are not counted; *"
        ]
    )
