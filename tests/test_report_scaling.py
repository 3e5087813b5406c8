"""Reports that scale: a Markdown report fits GitHub's comment limit, GitHub annotations stop
at what GitHub shows (a generated project of 134 signals and 453 receivers, as in the issue)."""

from __future__ import annotations

from report_samples import synthetic_report

from pytest_signaltrace.report.github import MAX_ANNOTATIONS, render_github_annotations
from pytest_signaltrace.report.markdown import GITHUB_COMMENT_LIMIT, render_markdown

BIG = synthetic_report(n_signals=134, n_receivers=453)


def test_a_big_markdown_report_fits_the_comment_limit_and_says_what_it_left_out() -> None:
    full = render_markdown(BIG, limit=10**9)
    assert len(full) > GITHUB_COMMENT_LIMIT  # the case of the issue: it would not fit
    text = render_markdown(BIG)
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert "left out to fit GitHub's 65,536-character limit" in text
    assert text.count("<details>") == text.count("</details>")
    assert text.endswith("\n")


def test_problems_come_first_and_survive_the_cut() -> None:
    text = render_markdown(BIG, limit=20_000)
    assert len(text) <= 20_000
    lines = text.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("### Receivers that")))
    rows = [line for line in lines[start + 4 :] if line.startswith("| ")]
    # Dead receivers first, then the rest; the per-signal tables went before the problems did.
    assert rows[0].startswith("| 💀 dead")
    statuses = [row.split(" | ")[0] for row in rows]
    assert statuses == sorted(statuses, key=lambda s: "💀" not in s)
    assert "tables per signal left out" in text


def test_a_small_report_is_not_cut() -> None:
    small = synthetic_report(n_signals=5, n_receivers=8)
    assert "left out" not in render_markdown(small)


def test_github_annotations_stop_at_the_cap_with_one_summary_line() -> None:
    lines = render_github_annotations(BIG).splitlines()
    warnings = [line for line in lines if line.startswith("::warning")]
    assert len(warnings) == MAX_ANNOTATIONS
    assert "Dead signal receiver" in warnings[0]
    never_ran = [r for r in BIG.receivers if not (r.calls or r.test_only or r.excluded)]
    assert lines[-1].startswith(
        f"::notice title=Signal receivers::{len(never_ran) - MAX_ANNOTATIONS} more receivers"
    )
    assert len(lines) == MAX_ANNOTATIONS + 1
