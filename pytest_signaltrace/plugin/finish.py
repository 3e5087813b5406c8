"""The end of a run, as the pipeline: collect the traces (the xdist workers', the appended
runs', the subprocesses' fragments) -> the static map -> merge -> gates -> write the outputs
-> print. An xdist worker only hands its trace over
(:func:`~pytest_signaltrace.plugin.collect.finish_worker`, which the plugin calls without
importing this module: a worker never imports the merge, the reports or the gates).

Each step is a plain function given only what it needs; the session
(:class:`~pytest_signaltrace.plugin.session.TraceSession`) holds the state, and its
:class:`~pytest_signaltrace.plugin.session.Outcome` what the terminal summary prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.plugin.collect import (
    all_missing_workers,
    appended_data,
    finish_worker,
    own_trace,
    run_trace,
    with_appended,
)
from pytest_signaltrace.plugin.fault_warning import report_faults
from pytest_signaltrace.plugin.outputs import write_data_file, write_reports
from pytest_signaltrace.plugin.session import Outcome, TraceSession
from pytest_signaltrace.plugin.static_scan import static_scan_of
from pytest_signaltrace.plugin.summary import (
    print_durations,
    print_report,
    print_verdict,
    source_names,
)
from pytest_signaltrace.settings import Settings
from pytest_signaltrace.trace.faults import FaultLog
from pytest_signaltrace.trace.model import Trace

if TYPE_CHECKING:  # the merge, the gates and the reports are imported at the end of the run
    from pytest_signaltrace.gates.fail_under import GateResult
    from pytest_signaltrace.model import Report, StaticMap
    from pytest_signaltrace.report.durations import ReceiverCost


def finish_run(config: pytest.Config, session: TraceSession) -> bool:
    """Stop tracing and build the report; returns whether the gate failed the run.

    Never raises. A fault is recorded (reported once at the end of the run) and, when a gate
    was asked for, fails the gate with one line saying why: a gate that cannot measure fails.
    Without a gate, the run's outcome is left alone.
    """
    settings, rootdir, outcome = session.settings, session.rootdir, session.outcome
    if session.role == "worker":
        finish_worker(config, session)
        return False
    try:
        own = own_trace(session.recorder, session.stop(), session.faults)
    except Exception as exc:
        return _fault(session, "taking the signal trace", exc)
    if config.option.collectonly:
        return False
    try:
        static = (session.static_scan or static_scan_of(config, settings, rootdir)).result()
        appended = appended_data(settings, rootdir, static)
        if appended is not None and appended.note:
            outcome.notes.append(appended.note)
        if session.role == "controller":  # it ran no tests: its own trace is empty
            own = Trace()
        trace = run_trace(own, session.worker_traces)
        missing_workers = all_missing_workers(session.missing_workers, appended)
        report_trace = with_appended(trace, appended)
        outcome.report = report = merge(static, report_trace, settings, rootdir, missing_workers)
        outcome.gate = receivers_gate(report, settings, rootdir)
        if settings.durations is not None:
            outcome.costs = receiver_costs_of(report_trace, settings, rootdir)
    except Exception as exc:
        return _fault(session, "building the signal report", exc)
    write_reports(
        report,
        settings,
        invocation_dir=config.invocation_params.dir,
        rootdir=rootdir,
        faults=session.faults,
        outcome=outcome,
    )
    if settings.diff_compare_branch is not None:
        diff_gate(report, settings.diff_compare_branch, settings, rootdir, session.faults, outcome)
    try:
        note = write_data_file(
            static,
            trace,
            settings,
            rootdir=rootdir,
            missing_workers=missing_workers,
        )
    except Exception as exc:
        session.faults.report("writing the signal data file", exc)
    else:
        if note:
            outcome.notes.append(note)
    return gate_failed(settings, outcome)


def merge(
    static: StaticMap, trace: Trace, settings: Settings, rootdir: Path, missing_workers: list[str]
) -> Report:
    """The report: the static map (paths relative to ``rootdir``) merged with the trace."""
    from pytest_signaltrace.merge.merge import Exclusions, PathMapper, build_report

    return build_report(
        static,
        trace,
        PathMapper(rootdir, settings.sources),
        exclusions=Exclusions(settings.exclude),
        missing_workers=missing_workers,
    )


def receiver_costs_of(
    trace: Trace, settings: Settings, rootdir: Path
) -> tuple[ReceiverCost, ...]:
    """What each receiver cost (``--signal-durations``), handler paths relative to ``rootdir``."""
    from pytest_signaltrace.merge.merge import PathMapper
    from pytest_signaltrace.report.durations import receiver_costs

    return receiver_costs(trace, PathMapper(rootdir, settings.sources).project_path)


def receivers_gate(report: Report, settings: Settings, rootdir: Path) -> GateResult | None:
    """The receivers' gate (``--signal-fail-under``), if asked for. It cannot measure, and
    fails, when the scan skipped a source file that is not excluded: the file's receivers
    are missing from the count."""
    if settings.fail_under is None:
        return None
    from pytest_signaltrace.gates.fail_under import (
        check_fail_under,
        not_checked,
        skipped_files_reason,
    )

    skipped = skipped_files_reason(report.files_skipped, settings.exclude)
    if skipped is not None:
        return not_checked(settings.fail_under, skipped)
    return check_fail_under(
        report.receiver_totals,
        settings.fail_under,
        sources=source_names(settings.sources, rootdir),
        precision=settings.report_options.precision,
    )


def diff_gate(
    report: Report,
    compare_branch: str,
    settings: Settings,
    rootdir: Path,
    faults: FaultLog,
    outcome: Outcome,
) -> None:
    """The diff report (what the change since ``compare_branch`` touched) and the diff gate,
    into ``outcome``.

    Fails closed: with ``diff_fail_under``, git's problem (no repository, an unknown branch, no
    git), a source file the scan skipped, or a fault fails the diff gate with one line naming
    it; without, it is one note (a skipped file: the report lists it).
    """
    from pytest_signaltrace.gates.diff.git import GitError
    from pytest_signaltrace.gates.diff.judge import diff_not_checked, diff_of, judge_diff
    from pytest_signaltrace.gates.fail_under import skipped_files_reason

    try:
        outcome.diff = diff_of(report, rootdir, compare_branch)
    except GitError as exc:
        reason = str(exc)
    except Exception as exc:
        faults.report("computing the diff signal coverage", exc)
        reason = f"internal error in computing the diff signal coverage ({exc!r})"
    else:
        if settings.diff_fail_under is None:
            return
        skipped = skipped_files_reason(report.files_skipped, settings.exclude)
        if skipped is not None:
            outcome.diff_gate = diff_not_checked(settings.diff_fail_under, skipped)
        else:
            precision = settings.report_options.precision
            outcome.diff_gate = judge_diff(outcome.diff, settings.diff_fail_under, precision)
        return
    if settings.diff_fail_under is not None:
        outcome.diff_gate = diff_not_checked(settings.diff_fail_under, reason)
    else:
        outcome.notes.append(f"no diff signal coverage: {reason}")


def _fault(session: TraceSession, where: str, exc: Exception) -> bool:
    """A fault that leaves no report: recorded, and each gate asked for fails saying why."""
    session.faults.report(where, exc)
    fail_closed(session.settings, session.outcome, f"internal error in {where} ({exc!r})")
    return gate_failed(session.settings, session.outcome)


def fail_closed(settings: Settings, outcome: Outcome, reason: str) -> None:
    """The report could not be computed: with a gate, the gate fails and says why (each
    gate asked for: the receivers' and the diff's)."""
    if settings.fail_under is not None:
        from pytest_signaltrace.gates.fail_under import not_checked

        outcome.gate = not_checked(settings.fail_under, reason)
    if settings.diff_fail_under is not None:
        from pytest_signaltrace.gates.diff.judge import diff_not_checked

        outcome.diff_gate = diff_not_checked(settings.diff_fail_under, reason)


def gate_failed(settings: Settings, outcome: Outcome) -> bool:
    """Whether a gate was asked for and is not met (or could not be checked); with the
    receivers' gate, a report that could not be written fails it too."""
    failed = False
    if settings.fail_under is not None:
        failed = outcome.gate is None or not outcome.gate.passed or bool(outcome.problems)
    if settings.diff_fail_under is not None:
        failed = failed or outcome.diff_gate is None or not outcome.diff_gate.passed
    return failed


def print_terminal_report(terminal: pytest.TerminalReporter, session: TraceSession) -> None:
    """Write the terminal report(s), the files written, and the gate's verdict; then the run's
    one fault warning. Never raises: a fault here is one more fault, the gate line still shows."""
    settings, outcome = session.settings, session.outcome
    try:
        print_report(terminal, outcome, settings, session.rootdir)
    except Exception as exc:
        session.faults.report("printing the signal report", exc)
    if outcome.costs is not None and settings.durations is not None:
        try:
            print_durations(terminal, outcome.costs, settings.durations)
        except Exception as exc:
            session.faults.report("printing the receiver durations", exc)
    try:
        print_verdict(terminal, outcome, gated=settings.fail_under is not None)
    except Exception as exc:
        session.faults.report("printing the signal gate", exc)
    report_faults(terminal.config, session)
