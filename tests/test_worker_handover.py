"""An xdist worker hands its trace to the controller as one compact JSON text."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from data_samples import sample_trace

from pytest_signaltrace.plugin.finish import _hand_over
from pytest_signaltrace.plugin.session import WORKER_OUTPUT_KEY, TraceSession
from pytest_signaltrace.settings import Settings


def session_of(tmp_path: Path, role: str) -> TraceSession:
    return TraceSession(Settings(active=True, sources=(tmp_path,)), tmp_path, role)  # type: ignore[arg-type]


def test_a_worker_sends_its_trace_as_one_json_text_the_controller_reads_back(
    tmp_path: Path,
) -> None:
    trace = sample_trace(tmp_path, calls=3)
    worker = session_of(tmp_path, "worker")
    worker._stopped = trace  # what session.stop() returns once the patches are off
    config = SimpleNamespace(workeroutput={})

    _hand_over(config, worker)  # type: ignore[arg-type]

    # a str: execnet's pure-Python serializer walks a nested dict item by item (a 15 MB
    # peak in a worker of 1,000 tests) but copies a str in one piece
    sent = config.workeroutput[WORKER_OUTPUT_KEY]
    assert isinstance(sent, str)
    assert ": " not in sent
    controller = session_of(tmp_path, "controller")
    controller.add_worker_output("gw0", sent)
    assert controller.worker_traces == {"gw0": trace}
    assert controller.missing_workers == []


def test_the_controller_still_reads_a_trace_sent_as_a_dict_and_names_a_worker_that_sent_junk(
    tmp_path: Path,
) -> None:
    controller = session_of(tmp_path, "controller")
    controller.add_worker_output("gw0", sample_trace(tmp_path).to_json())
    controller.add_worker_output("gw1", "{not json")
    controller.add_worker_output("gw2", 42)

    assert set(controller.worker_traces) == {"gw0"}
    assert controller.missing_workers == ["gw1", "gw2"]
