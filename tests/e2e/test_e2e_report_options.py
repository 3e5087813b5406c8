"""coverage's report options through a real run: ``term-missing:skip-covered`` (pytest-cov's
spelling), ``skip_covered``, ``precision`` and ``sort`` from the configuration, and bad values
stopping the run with the key and the file named."""

from __future__ import annotations

import pytest
from e2e_project import TWO_OF_THREE_RECEIVERS, TWO_OF_THREE_TESTS, DjangoProject


@pytest.fixture
def project(django_project: DjangoProject) -> DjangoProject:
    django_project.write(
        **{"shop/receivers": TWO_OF_THREE_RECEIVERS, "test_shop": TWO_OF_THREE_TESTS}
    )
    return django_project


def _table(result: pytest.RunResult) -> list[str]:
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if line.startswith("Signal ")) + 2
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("---"))
    return [line.split()[0] for line in lines[start:end]]


def test_term_missing_skip_covered_leaves_covered_signals_out_of_the_table(
    project: DjangoProject,
) -> None:
    result = project.run("--signal-report=term-missing:skip-covered", "-k", "refund")
    result.assert_outcomes(passed=1)
    # order_shipped has no receivers: not "covered", so it stays, as in the Markdown report.
    assert _table(result) == ["shop.signals.order_placed", "shop.signals.order_shipped"]
    result.stdout.fnmatch_lines(
        [
            "1 signal skipped due to complete coverage.",
            "Receivers that never ran:",
            "*shop/receivers.py:* shop.receivers.on_placed *",
        ]
    )
    plain = project.run("--signal-report=term-missing", "-k", "refund")
    assert _table(plain) == [
        "shop.signals.order_placed",
        "shop.signals.order_refunded",
        "shop.signals.order_shipped",
    ]


def test_term_with_another_dest_is_still_refused(project: DjangoProject) -> None:
    result = project.run("--signal-report=term:out.txt")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --signal-report: 'term' prints to the terminal; *"])


def test_precision_sort_and_skip_covered_come_from_pyproject_and_reach_the_gate(
    project: DjangoProject,
) -> None:
    project.pytester.makepyprojecttoml(
        '[tool.signaltrace]\nprecision = 1\nsort = "-name"\nfail_under = 66.7\n'
    )
    result = project.run("--signal-report=term", "-k", "refund")
    result.assert_outcomes(passed=1)
    # 2 of 3 ran: 66.67% at two decimals would fail 66.7; at one decimal it is 66.7%.
    assert _table(result) == [
        "shop.signals.order_shipped",
        "shop.signals.order_refunded",
        "shop.signals.order_placed",
    ]
    result.stdout.fnmatch_lines(
        [
            "TOTAL * 66.7%",
            "Required signal receiver coverage of 66.7% reached. Total coverage: 66.7%",
        ]
    )
    assert result.ret == 0


def test_skip_covered_in_the_ini_file(project: DjangoProject) -> None:
    project.ini("signaltrace_skip_covered = true\nsignaltrace_precision = 0\n")
    result = project.run("--signal-report=term", "-k", "refund")
    assert _table(result) == ["shop.signals.order_placed", "shop.signals.order_shipped"]
    result.stdout.fnmatch_lines(["TOTAL * 67%"])


def test_skip_covered_applies_to_the_markdown_and_html_reports_too(
    project: DjangoProject,
) -> None:
    project.pytester.makepyprojecttoml("[tool.signaltrace]\nskip_covered = true\n")
    result = project.run(
        "--signal-report=markdown:s.md", "--signal-report=html:out", "-k", "refund"
    )
    result.assert_outcomes(passed=1)
    markdown = (project.pytester.path / "s.md").read_text("utf-8")
    assert "\n1 signal skipped due to complete coverage.\n" in markdown
    assert "`shop.signals.order_refunded`" not in markdown
    page = (project.pytester.path / "out" / "index.html").read_text("utf-8")
    assert "1 signal skipped due to complete coverage" in page
    assert 'data-signal="shop.signals.order_refunded"' not in page
    assert 'data-signal="shop.signals.order_placed"' in page


def test_without_precision_the_gate_compares_two_decimals(project: DjangoProject) -> None:
    project.pytester.makepyprojecttoml("[tool.signaltrace]\nfail_under = 66.7\n")
    result = project.run("--signal-report=term", "-k", "refund")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["FAIL Required signal receiver coverage of 66.7% not reached. Total coverage: 66.67%"]
    )


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            'sort = "coverage"',
            "ERROR: sort in [[]tool.signaltrace] of */pyproject.toml: unknown sort key "
            "'coverage'; choose from name, receivers, ran, miss, sends, status, cover*",
        ),
        (
            "precision = 12",
            "ERROR: precision in [[]tool.signaltrace] of */pyproject.toml: 12 is not between 0 "
            "and 10",
        ),
        (
            'precision = "2"',
            "ERROR: */pyproject.toml: [[]tool.signaltrace] precision = '2' is not an integer*",
        ),
        (
            'skip_covered = "yes"',
            "ERROR: */pyproject.toml: [[]tool.signaltrace] skip_covered = 'yes' is not true or "
            "false",
        ),
        (
            'html_link_template = "https://x/{file}"',
            "ERROR: html_link_template in [[]tool.signaltrace] of */pyproject.toml: unknown "
            "field {file} *",
        ),
    ],
)
def test_a_bad_report_option_in_pyproject_names_the_key_and_the_file(
    project: DjangoProject, setting: str, message: str
) -> None:
    project.pytester.makepyprojecttoml(f"[tool.signaltrace]\n{setting}\n")
    result = project.run("--signal-report")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str()


def test_a_bad_sort_in_the_ini_file_names_the_key_and_the_file(project: DjangoProject) -> None:
    project.ini("signaltrace_sort = size\n")
    result = project.run("--signal-report")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: signaltrace_sort in */pytest.ini: unknown sort key 'size'; *"]
    )


def test_the_html_report_links_each_location_by_the_configured_template(
    project: DjangoProject,
) -> None:
    project.pytester.makepyprojecttoml(
        '[tool.signaltrace]\nhtml_link_template = "vscode://file{abspath}:{line}"\n'
    )
    project.run("--signal-report=html:out").assert_outcomes(passed=2)
    page = (project.pytester.path / "out" / "index.html").read_text("utf-8")
    root = project.pytester.path.resolve().as_posix()
    lines = TWO_OF_THREE_RECEIVERS.strip().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "@receiver(order_placed)" in text)
    assert f'href="vscode://file{root}/shop/receivers.py:{line}"' in page
