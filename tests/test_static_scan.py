"""The run's static scan, in a child process: the map an in-process scan gives, its faults raised in
the run, a child that dies, hangs or is abandoned killed and reaped, and nothing of the run's
environment in it."""

from __future__ import annotations

import os
import pickle
import pickletools
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace import frameworks
from pytest_signaltrace.frameworks import Framework
from pytest_signaltrace.plugin.static_scan import StaticScan, scan_sources
from pytest_signaltrace.scan.handover import ScanFailed, scan_request, static_view
from pytest_signaltrace.scan.process import ScanProcess
from pytest_signaltrace.settings import Settings

if TYPE_CHECKING:
    from conftest import WriteTree

SIGNALS = """
    from django.dispatch import Signal, receiver

    order_placed = Signal()


    @receiver(order_placed)
    def on_placed(sender, **kwargs): ...
"""

#: A framework the child cannot import anything of: its runtime half is a lambda.
EVENTS = Framework(
    name="events",
    signal_classes=frozenset({"events.Signal"}),
    packages=frozenset({"events"}),
    signal_id=lambda signal: None,
)


def _scan_of(root: Path) -> StaticScan:
    return StaticScan(Settings(active=True, sources=(root,)), root.parent, cache_dir=None)


def _request(root: Path) -> object:
    return scan_request([root], root.parent, cache_dir=None, package_roots=(), skip_folders=(),
                        jobs=1)  # fmt: skip


def _python(code: str) -> object:
    return lambda request, result: [sys.executable, "-c", code]


def _gone(pid: int) -> bool:
    """Whether ``pid`` is neither running nor a zombie child of this process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_scan_process_gives_the_map_a_scan_in_this_process_gives(tree: WriteTree) -> None:
    root = tree({"shop/__init__.py": "", "shop/signals.py": SIGNALS})
    background = _scan_of(root)
    background.start_in_background()
    here = scan_sources([root], root.parent, cache_dir=None, package_roots=())
    assert background.result() == here
    assert [r.path for r in here.receivers] == ["src/shop/signals.py"]


def test_a_scan_that_raises_in_the_child_raises_the_same_in_the_run(tmp_path: Path) -> None:
    scan = _scan_of(tmp_path / "missing")
    scan.start_in_background()
    with pytest.raises(FileNotFoundError) as raised:
        scan.result()
    assert any("in the scan process" in note for note in raised.value.__notes__)
    with pytest.raises(FileNotFoundError):  # asked again: the same fault, no second scan
        scan.result()


def test_a_child_that_dies_is_one_failure_with_its_last_words(tree: WriteTree) -> None:
    process = ScanProcess(_request(tree({})), _python("import sys; sys.exit('out of luck')"))
    process.start()
    with pytest.raises(ScanFailed, match=r"^the static scan process exited 1: out of luck$"):
        process.result(timeout=60)


def test_a_child_that_takes_too_long_is_killed_and_reaped(tree: WriteTree) -> None:
    process = ScanProcess(_request(tree({})), _python("import time; time.sleep(120)"))
    process.start()
    pid = process._process.pid  # type: ignore[union-attr]
    with pytest.raises(ScanFailed, match=r"took more than 0\.5 s"):
        process.result(timeout=0.5)
    assert _gone(pid)


def test_a_run_that_ends_without_its_report_kills_the_child(tree: WriteTree) -> None:
    process = ScanProcess(_request(tree({})), _python("import time; time.sleep(120)"))
    process.start()
    pid, folder = process._process.pid, process._folder  # type: ignore[union-attr]
    assert folder is not None
    assert folder.is_dir()
    process.close()
    assert _gone(pid)
    assert not folder.exists()


def test_the_child_runs_none_of_the_runs_environment(
    tree: WriteTree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree({"shop/__init__.py": "", "shop/signals.py": SIGNALS})
    marker = tmp_path / "imported"
    hook = f"open({str(marker)!r}, 'w').write('yes')\n"
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for folder in (hooks, root.parent):  # on PYTHONPATH; the child's working folder
        (folder / "sitecustomize.py").write_text(hook)
        (folder / "pytest_signaltrace.py").write_text(hook)
    monkeypatch.setenv("PYTHONPATH", str(hooks))
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "no.such.settings")
    scan = _scan_of(root)
    scan.start_in_background()
    assert [r.handler for r in scan.result().receivers] == ["shop.signals.on_placed"]
    assert not marker.exists()


def test_a_framework_registered_after_the_child_started_is_in_the_map(tree: WriteTree) -> None:
    root = tree({"app.py": "import events\n\nplaced = events.Signal()\n"})
    scan = _scan_of(root)
    scan.start_in_background()
    unregister = frameworks.register(EVENTS)
    try:
        found = scan.result()
    finally:
        unregister()
    assert [d.signal for d in found.definitions] == ["app.placed"]


def test_the_child_gets_a_frameworks_data_without_its_code() -> None:
    view = pickle.loads(pickle.dumps(static_view(EVENTS)))
    assert view.signal_id is None
    assert view.signal_classes == EVENTS.signal_classes
    assert type(view) is Framework


def test_every_registered_framework_reaches_the_child_as_data_only() -> None:
    for framework in frameworks.registered():
        data = pickle.dumps(static_view(framework), protocol=2)  # names each global it needs
        needed = {arg for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"}
        assert {str(name).split()[0] for name in needed} <= {
            "pytest_signaltrace.frameworks.protocol",
            "builtins",
            "copy_reg",
            "__builtin__",
        }, framework.name
        assert pickle.loads(data) == static_view(framework)
