"""``signaltrace fix`` and a run's data file: matched by handler id and content (not by path and
line), refused when it does not match the tree, used by default when it exists (issue 22 item
3, issue 19 items 3 and 4)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fix_samples import RECEIVERS, SIGNALS

from pytest_signaltrace.cli import ExitCode, main
from pytest_signaltrace.datafile.data import RunData, write_data
from pytest_signaltrace.scan import scan
from pytest_signaltrace.trace.model import (
    CodeRef,
    HandlerRef,
    ReceiverKey,
    SendKey,
    SignalRef,
    Trace,
)

#: Where a library sent order_refunded from at run time: a send the scan cannot see.
LIBRARY = CodeRef("/opt/lib/refunds.py", 10)


def _write_project(root: Path) -> Path:
    (root / "shop").mkdir(parents=True)
    (root / "pytest.ini").write_text("[pytest]\n")
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "signals.py").write_text(SIGNALS)
    (root / "shop" / "receivers.py").write_text(RECEIVERS)
    return root


def _run_data(root: Path, *sources: str) -> RunData:
    """The data of a run in ``root`` (scanning ``sources``, default all of it) in which a
    library sent order_refunded: on_refunded ran."""
    folders = [root / source for source in sources] or [root]
    signal = SignalRef("shop.signals.order_refunded", str(root / "shop" / "signals.py"), 3)
    handler = HandlerRef("shop.receivers.on_refunded", str(root / "shop" / "receivers.py"), 6)
    ran = ReceiverKey(signal, handler)
    trace = Trace(
        sends={SendKey(signal, "send", LIBRARY, None): 1},
        receiver_calls={ran: 1},
        tests={ran: frozenset({"tests/test_refunds.py::test_refund"})},
    )
    return RunData.from_run(scan(folders, relative_to=root), trace, rootdir=root, sources=folders)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = _write_project(tmp_path / "checkout")
    write_data(root / ".signaltrace", _run_data(root))
    monkeypatch.chdir(root)
    return root


def _fix(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["fix", "--no-cache", "--dead", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_data_file_is_used_by_default_and_says_so(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _fix(capsys)
    assert status == ExitCode.OK, err
    assert "-def on_refunded" not in out  # it ran
    assert "-def on_audited" in out
    assert (
        "signaltrace: using the run's data in .signaltrace (--no-data: static verdicts only)\n"
        in err
    )
    # --no-data: static verdicts only, and on_refunded looks dead.
    assert "-def on_refunded" in _fix(capsys, "--no-data")[1]


def test_a_configured_data_file_is_the_one_used(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pytest.ini").write_text("[pytest]\nsignaltrace_data_file = build/run.data\n")
    (project / "build").mkdir()
    (project / ".signaltrace").rename(project / "build" / "run.data")
    status, out, err = _fix(capsys)
    assert status == ExitCode.OK, err
    assert "using the run's data in build/run.data" in err
    assert "-def on_refunded" not in out


def test_data_from_another_checkout_folder_still_vetoes(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = project.parent / "ci-checkout"
    shutil.copytree(project, elsewhere)
    monkeypatch.chdir(elsewhere)
    shutil.rmtree(project)  # the CI's checkout folder is not on this machine
    status, _, err = _fix(capsys, "--write")
    assert status == ExitCode.OK, err
    text = (elsewhere / "shop" / "receivers.py").read_text()
    assert "def on_refunded" in text
    assert "on_audited" not in text


def test_lines_moved_since_the_run_still_veto(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    receivers = project / "shop" / "receivers.py"
    receivers.write_text('"""Added after the run."""\n' + RECEIVERS)
    status, _, err = _fix(capsys, "--write")
    assert status == ExitCode.OK, err
    assert "def on_refunded" in receivers.read_text()
    assert "on_audited" not in receivers.read_text()


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (("@receiver(order_audited)", "@receiver(order_audited, weak=False)"), "changed since"),
        (("def on_audited", "def on_audited_later"), "is not in it"),
    ],
)
def test_data_that_does_not_match_the_tree_is_refused_in_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], edit: tuple[str, str], why: str
) -> None:
    receivers = project / "shop" / "receivers.py"
    receivers.write_text(RECEIVERS.replace(*edit))
    before = receivers.read_text()
    status, out, err = _fix(capsys, "--write")
    assert status == ExitCode.USAGE
    assert out == ""
    lines = [line for line in err.splitlines() if "using the run's data" not in line]
    assert len(lines) == 1
    assert lines[0].startswith("signaltrace: error: .signaltrace does not match the tree: ")
    assert why in lines[0]
    assert "--no-data" in lines[0]
    assert receivers.read_text() == before


def test_a_missing_data_file_named_on_the_command_line_is_an_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = _fix(capsys, "--data", "nowhere.signaltrace")
    assert status == ExitCode.USAGE
    assert "no signal data file nowhere.signaltrace" in err


def test_a_clean_check_says_what_it_checked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _fix(capsys, "--no-data", "--write")
    assert status == ExitCode.OK, err
    assert err.endswith("signaltrace: checked 2 receivers, 2 signals: 2 findings; 1 file fixed\n")
    status, out, err = _fix(capsys, "--no-data")
    assert (status, out) == (ExitCode.OK, "")
    assert err == "signaltrace: checked 0 receivers, 2 signals: nothing dead\n"


def test_findings_are_counted_with_the_right_plural(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _fix(capsys)[2]
    assert err.endswith(
        "signaltrace: checked 2 receivers, 2 signals: 1 finding (--write to apply)\n"
    )
    err = _fix(capsys, "--no-data")[2]
    assert err.endswith(": 2 findings (--write to apply)\n")


def test_a_receiver_outside_the_folders_the_run_scanned_is_left_alone_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _write_project(tmp_path / "checkout")
    (root / "scripts").mkdir()
    (root / "scripts" / "__init__.py").write_text("")
    (root / "scripts" / "hooks.py").write_text(RECEIVERS.replace("def on_", "def script_on_"))
    write_data(root / ".signaltrace", _run_data(root, "shop"))
    monkeypatch.chdir(root)
    status, out, err = _fix(capsys)
    assert status == ExitCode.OK, err
    assert "-def on_audited" in out  # in shop/: the run agrees it is dead
    assert "scripts/" not in out
    assert (
        "signaltrace: 2 findings outside the folders the run scanned left alone (shop); "
        "--no-data to judge them statically\n" in err
    )


def test_a_receiver_the_run_calls_possibly_dead_is_never_removed(tmp_path: Path) -> None:
    from pytest_signaltrace.fix.evidence import RunEvidence
    from pytest_signaltrace.fix.plan import plan_fixes
    from pytest_signaltrace.model import Receiver, ReceiverRow, ReceiverStatus, Report, Totals

    root = _write_project(tmp_path / "checkout")
    static = scan(root)
    receiver = next(r for r in static.receivers if r.handler == "shop.receivers.on_audited")
    assert static.is_dead(receiver)

    def row(status: ReceiverStatus, of: Receiver = receiver) -> ReceiverRow:
        return ReceiverRow(
            of.path, of.line, of.signal, of.handler, None, True, False, 0, status, code=of.code
        )

    others = [row(ReceiverStatus.DEAD, r) for r in static.receivers if r != receiver]
    for status, removed in [(ReceiverStatus.POSSIBLY_DEAD, False), (ReceiverStatus.DEAD, True)]:
        report = Report((), (row(status), *others), (), Totals(2, 0), Totals(0, 0))
        plans = plan_fixes(static, {}, evidence=RunEvidence.of(report, ".signaltrace"))
        decorators = {line for plan in plans for line in plan.decorators}
        assert (receiver.line in decorators) is removed, status


def test_parallel_data_files_not_yet_combined_are_not_ignored(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".signaltrace").rename(project / ".signaltrace.ci-host.4242.000001")
    status, out, err = _fix(capsys)
    assert (status, out) == (ExitCode.USAGE, "")
    assert err == (
        "signaltrace: error: 1 parallel data file of .signaltrace and no .signaltrace: run "
        "'signaltrace combine' first, or pass --no-data\n"
    )
