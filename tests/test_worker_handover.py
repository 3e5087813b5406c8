"""An xdist worker hands its trace to the controller as one compact JSON text."""

from __future__ import annotations

from pathlib import Path

from data_samples import sample_trace

from pytest_signaltrace.plugin.collect import WORKER_OUTPUT_KEY, hand_over, read_worker_trace
from pytest_signaltrace.trace.faults import FaultLog


def test_a_worker_sends_its_trace_as_one_json_text_the_controller_reads_back(
    tmp_path: Path,
) -> None:
    trace = sample_trace(tmp_path, calls=3)
    workeroutput: dict[str, object] = {}

    hand_over(workeroutput, trace, FaultLog(deferred=True))

    # a str: execnet's pure-Python serializer walks a nested dict item by item (a 15 MB
    # peak in a worker of 1,000 tests) but copies a str in one piece
    sent = workeroutput[WORKER_OUTPUT_KEY]
    assert isinstance(sent, str)
    assert ": " not in sent
    assert read_worker_trace("gw0", sent, FaultLog(deferred=True)) == trace


def test_the_controller_still_reads_a_trace_sent_as_a_dict_and_not_junk(
    tmp_path: Path,
) -> None:
    faults = FaultLog(deferred=True)
    assert read_worker_trace("gw0", sample_trace(tmp_path).to_json(), faults) is not None
    assert read_worker_trace("gw1", "{not json", faults) is None
    assert read_worker_trace("gw2", 42, faults) is None
    assert faults.count == 1  # the junk text; a worker that sent nothing is no fault
