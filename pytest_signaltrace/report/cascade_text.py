"""Cascades in words, for the terminal and Markdown reports: loops (each a warning with its
chain), the longest chains of the graph and the deepest chain seen at run time with its tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pytest_signaltrace.merge.cascade_model import SignalChain
from pytest_signaltrace.model import Report

#: How many tests a chain's line names before "and N more".
TESTS_NAMED = 3


def chain_text(chain: SignalChain, code: Callable[[str], str] = str) -> str:
    """``a.sig -> shop.on_a -> b.sig``: signals and receivers in order, each through ``code``."""
    return " -> ".join(code(part) for part in chain.chain)


def tests_text(tests: Sequence[str]) -> str:
    """The first tests of a chain, and how many more."""
    if not tests:
        return ""
    named = ", ".join(tests[:TESTS_NAMED])
    more = len(tests) - TESTS_NAMED
    return named + (f" and {more} more" if more > 0 else "")


def loop_word(count: int) -> str:
    """``1 signal loop``, ``2 signal loops``."""
    return f"{count} signal loop" + ("" if count == 1 else "s")


def terminal_loop_lines(report: Report, *, show_missing: bool) -> list[str]:
    """The loops as warnings (listed with their chains under term-missing, else counted) and,
    under term-missing, the deepest chain seen at run time."""
    cascades = report.cascades
    lines: list[str] = []
    if cascades.loops:
        if show_missing:
            lines += [
                "",
                f"WARNING: {loop_word(len(cascades.loops))} (a receiver's send leads back):",
            ]
            lines += [f"  {chain_text(loop)}  [{loop.evidence}]" for loop in cascades.loops]
        else:
            lines.append(
                f"WARNING: {loop_word(len(cascades.loops))} "
                "(--signal-report=term-missing lists them)."
            )
    if show_missing and cascades.deepest:
        deepest = cascades.deepest[0]
        deep = f"{deepest.depth} receiver{'' if deepest.depth == 1 else 's'} deep"
        lines += ["", f"Deepest signal chain at run time ({deep}):"]
        lines.append(f"  {chain_text(deepest)}")
        if deepest.tests:
            lines.append(f"  in {tests_text(deepest.tests)}")
    return lines


def markdown_cascade_sections(
    report: Report,
    table: Callable[[list[str], list[list[str]]], list[str]],
    code: Callable[[str], str],
) -> list[tuple[str, list[str], list[str]]]:
    """The Markdown sections of cascades (``(what, header lines, rows)``, as the report's
    other sections): loops, and the longest chains with the deepest seen at run time."""
    cascades = report.cascades
    sections: list[tuple[str, list[str], list[str]]] = []
    if cascades.loops:
        rows = table(
            ["Loop", "Evidence"],
            [[chain_text(loop, code), loop.evidence] for loop in cascades.loops],
        )
        title = f"### Signal loops ({len(cascades.loops)})"
        note = "> **Warning:** a receiver's send leads back to the signal that ran it."
        sections.append(("signal loops", [title, "", note, "", *rows[:2]], rows[2:]))
    chains = [*cascades.deepest[:1], *cascades.longest]
    if chains:
        rows = table(
            ["Chain", "Receivers deep", "Evidence"],
            [
                [
                    chain_text(chain, code)
                    + (
                        f" (deepest at run time, in {tests_text(chain.tests)})"
                        if chain.tests
                        else ""
                    ),
                    str(chain.depth),
                    chain.evidence,
                ]
                for chain in chains
            ],
        )
        title = "### Longest signal chains"
        sections.append(("signal chains", [title, "", *rows[:2]], rows[2:]))
    return sections
