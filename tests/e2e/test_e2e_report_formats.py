"""Every report format of ``--signal-report`` through a real run: where it goes, what it says."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_project import DjangoProject

RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed, order_refunded


@receiver(order_placed)
def on_placed(sender, **kwargs):
    pass


@receiver(order_refunded)
def on_refunded(sender, **kwargs):
    pass
"""

TESTS = """
from shop.signals import order_placed


def test_place():
    order_placed.send(sender=None)
"""


@pytest.fixture
def project(django_project: DjangoProject) -> DjangoProject:
    django_project.write(**{"shop/receivers": RECEIVERS, "test_shop": TESTS})
    return django_project


def test_markdown_goes_to_a_file_with_a_summary_and_a_table_per_signal(
    project: DjangoProject,
) -> None:
    result = project.run("--signal-report=markdown:out/signals.md")
    result.assert_outcomes(passed=1)
    text = (project.pytester.path / "out" / "signals.md").read_text()
    assert text.startswith("## Signal receiver coverage\n")
    assert "**50.00%** of receivers ran (1 of 2)" in text
    assert "#### `shop.signals.order_placed`" in text
    row = "| 💀 dead | static+runtime | `shop.receivers.on_refunded` |"
    assert f"{row} `shop.signals.order_refunded` |" in text
    result.stdout.fnmatch_lines(["Signal report written to *signals.md"])


def test_markdown_append_adds_to_the_github_step_summary(
    project: DjangoProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = project.pytester.path / "step_summary.md"
    summary.write_text("# Earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    project.run("--signal-report=markdown-append").assert_outcomes(passed=1)
    text = summary.read_text()
    assert text.startswith("# Earlier step\n## Signal receiver coverage")


def test_markdown_append_without_a_step_summary_says_so_and_passes(
    project: DjangoProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = project.run("--signal-report=markdown-append")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*GITHUB_STEP_SUMMARY is not set*nothing written*"])


def test_markdown_append_without_a_step_summary_fails_a_gate(
    project: DjangoProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = project.run("--signal-report=markdown-append", "--signal-fail-under=0")
    result.assert_outcomes(passed=1)
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        [
            "FAIL pytest-signaltrace: markdown-append: $GITHUB_STEP_SUMMARY is not set "
            "(not on GitHub Actions?); nothing written"
        ]
    )


def test_github_prints_a_warning_annotation_per_receiver_that_never_ran(
    project: DjangoProject,
) -> None:
    result = project.run("--signal-report=github")
    result.stdout.fnmatch_lines(
        [
            "::warning file=shop/receivers.py,line=11,title=Dead signal receiver::"
            "shop.receivers.on_refunded can never run: nothing sends shop.signals.order_refunded."
        ]
    )
    assert "on_placed" not in result.stdout.str()


def test_json_to_a_dash_goes_to_the_terminal_and_writes_no_file(project: DjangoProject) -> None:
    result = project.run("--signal-report=json:-")
    result.stdout.fnmatch_lines(['*"format": 5,*'])
    assert not (project.pytester.path / "-").exists()


def test_html_writes_one_self_contained_page(project: DjangoProject) -> None:
    result = project.run("--signal-report=html:html_report")
    index: Path = project.pytester.path / "html_report" / "index.html"
    result.stdout.fnmatch_lines([f"Signal report written to {index}"])
    page = index.read_text()
    assert "shop.receivers.on_refunded" in page
    assert "https://" not in page
    assert "http://" not in page


def test_xml_and_lcov_give_each_receiver_and_send_site_a_line_with_its_hits(
    project: DjangoProject,
) -> None:
    project.write(
        **{
            "shop/services": """
            from shop.signals import order_placed


            def place():
                order_placed.send(sender=None)
            """,
            "test_services": """
            from shop.services import place


            def test_place_twice():
                place()
                place()
            """,
        }
    )
    result = project.run("--signal-report=xml:out/signals.xml", "--signal-report=lcov")
    result.assert_outcomes(passed=2)
    xml = (project.pytester.path / "out" / "signals.xml").read_text()
    assert '<class name="receivers" filename="shop/receivers.py"' in xml
    # on_placed ran 3 times (test_place once, test_place_twice twice); on_refunded never.
    assert '<line number="6" hits="3" branch="false" />' in xml
    assert '<line number="11" hits="0" branch="false" />' in xml
    lcov = (project.pytester.path / "signaltrace.lcov").read_text()
    assert "SF:shop/services.py\n" in lcov
    assert "DA:5,2\n" in lcov  # the send in place()
    assert "FNDA:3,shop.receivers.on_placed\n" in lcov
    result.stdout.fnmatch_lines(["Signal report written to *signals.xml", "*signaltrace.lcov"])
