"""The coverage gate: fail the run when too few receivers ran (like ``--cov-fail-under``)."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_signaltrace.model import Totals


@dataclass(frozen=True)
class GateResult:
    """The verdict of the gate and the line that explains it."""

    passed: bool
    message: str


def check_fail_under(
    totals: Totals, fail_under: float, subject: str = "signal receiver coverage"
) -> GateResult:
    """Compare coverage (of receivers, by default) with the required minimum (percent, 0-100).

    The comparison uses the same two-decimal rounding as the figure shown, so the message never
    contradicts itself ("70.00% is below 70%").
    """
    required = _format_required(fail_under)
    if totals.percent < fail_under:
        return GateResult(
            False,
            f"FAIL Required {subject} of {required}% not reached. "
            f"Total coverage: {totals.percent:.2f}%",
        )
    return GateResult(
        True,
        f"Required {subject} of {required}% reached. "
        f"Total coverage: {totals.percent:.2f}%",
    )


def _format_required(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}".rstrip("0")
