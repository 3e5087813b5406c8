"""``benchmarks/run.py``: the paired runs alternate their order, and the summary pairs them."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from script_modules import load_script

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def bench_run() -> ModuleType:
    return load_script(SCRIPT, "bench_run")


def test_pairs_alternate_which_variant_runs_first(
    bench_run: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    order: list[str] = []
    # The machine slows down run after run: seconds grow with each run, whatever the variant.
    def measure(pair: Any, variant: str, gc_stats: bool = False) -> Any:
        order.append(variant)
        seconds = float(len(order))
        return bench_run.Run(variant=variant, wall=seconds, cpu=seconds, rss_mb=1.0,
                             returncode=0)  # fmt: skip

    monkeypatch.setattr(bench_run, "measure", measure)
    pair = bench_run.Pair("p", tmp_path, ["plain"], ["traced"])
    bench_run.run_pair(pair, 4)
    assert order == ["A", "B", "B", *"ABBAABBA"]  # the warm-up, then A B, B A, A B, B A
    # The n-th A with the n-th B: pairs (4, 5), (7, 6), (8, 9), (11, 10) of the seconds above.
    cpu = bench_run.summary(pair)["cpu"]
    assert sorted(cpu["spread"]) == pytest.approx([6 / 7, 5 / 4])
    assert cpu["pairs_median"] == pytest.approx(((10 / 11) + (9 / 8)) / 2)
    # Always A first would have made every ratio above 1: the drift taken for a cost.
