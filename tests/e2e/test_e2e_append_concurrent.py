"""Two ``pytest --signal-append`` runs of one Django project at the same time: the data file
ends with both runs' data (one run's data was lost, silently, when each read the file, added
its run and wrote the sum over the other's)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_project import BASE_ARGS, DjangoProject, signaltrace

RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed, order_shipped


@receiver(order_placed)
def on_placed(sender, **kwargs):
    pass


@receiver(order_shipped)
def on_shipped(sender, **kwargs):
    pass
"""

TESTS = """
from shop.signals import order_placed, order_shipped


def test_place():
    order_placed.send(sender="web")


def test_ship():
    order_shipped.send(sender="web")
"""

#: The last test of both runs: each waits there for the other, so that both end their run,
#: read the data file and write it at the same moment.
BARRIER = """
import os
import time
from pathlib import Path


def test_wait_for_the_other_run():
    folder = Path(os.environ["BARRIER"])
    (folder / f"arrived-{os.getpid()}").write_text("")
    deadline = time.monotonic() + 120
    while len(list(folder.glob("arrived-*"))) < 2:
        assert time.monotonic() < deadline, "the other run never came"
        time.sleep(0.005)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="the data file is locked with fcntl")
def test_two_runs_appending_at_the_same_time_both_keep_their_data(
    django_project: DjangoProject, tmp_path: Path
) -> None:
    root = django_project.pytester.path
    django_project.write(
        **{"shop/receivers": RECEIVERS, "test_shop": TESTS, "test_zz_barrier": BARRIER}
    )
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    env = {**os.environ, "BARRIER": str(barrier)}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *BASE_ARGS]
    command += ["--signal-report=", "--signal-append"]
    runs = [
        subprocess.Popen(
            [*command, "-k", f"{name} or wait"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in ("place", "ship")
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    result = signaltrace("report", ".signaltrace", "--format", "json", cwd=root)
    assert result.returncode == 0, result.stderr
    ran = {row["handler"]: row["calls"] for row in json.loads(result.stdout)["receivers"]}
    assert ran == {"shop.receivers.on_placed": 1, "shop.receivers.on_shipped": 1}, outputs
    document = json.loads((root / ".signaltrace").read_text())
    assert len(document["runs"]) == 2
    assert not (root / ".signaltrace.lock").exists()
