"""The controller merges N workers' traces (and a run its subprocesses' fragments) in one pass:
merging in turn copied the growing result once per trace, so 32 workers' 64,000 rows took 7
times as long as 2 workers' same rows."""

from __future__ import annotations

import random
from typing import Any

import pytest

from pytest_signaltrace.plugin.collect import run_trace
from pytest_signaltrace.trace.costs import Cost
from pytest_signaltrace.trace.keys import Raised
from pytest_signaltrace.trace.model import Trace


def _trace(seed: int) -> Trace:
    pick = random.Random(seed)
    keys: Any = [("signal", n) for n in range(6)]
    return Trace(
        sends={pick.choice(keys): pick.randint(1, 5) for _ in range(4)},
        receiver_calls={pick.choice(keys): pick.randint(1, 5) for _ in range(4)},
        tests={pick.choice(keys): frozenset({f"t{seed}", f"t{pick.randint(0, 3)}"})},
        connects={pick.choice(keys): 1},
        disconnects={pick.choice(keys): 2},
        raises={pick.choice(keys): Raised(1, f"E{seed}", frozenset({f"t{seed}"}))},
        senders_seen={pick.choice(keys): frozenset({f"sender{pick.randint(0, 3)}"})},
        durations={pick.choice(keys): Cost(seed + 1, 100 * seed, 50 * seed, 10 * seed, f"t{seed}")},
    )


def _in_turn(traces: list[Trace]) -> Trace:
    result = Trace()
    for trace in traces:
        result = result.merge(trace)
    return result


@pytest.mark.parametrize("count", [0, 1, 2, 7, 32])
def test_merged_is_merging_in_turn(count: int) -> None:
    traces = [_trace(seed) for seed in range(count)]
    assert Trace.merged(traces) == _in_turn(traces)


def test_the_controller_merges_its_workers_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    own = _trace(100)
    workers = {f"gw{n}": _trace(n) for n in range(32)}
    expected = _in_turn([own, *(workers[w] for w in sorted(workers))])

    def pairwise(self: Trace, other: Trace) -> Trace:
        raise AssertionError("merged pairwise: the result is copied once per worker")

    monkeypatch.setattr(Trace, "merge", pairwise)
    assert run_trace(own, workers) == expected
