"""The trace's post-import hooks (``trace/importhooks.py``), which replaced wrapt's: called once,
after the module ran, wherever and however it is imported."""

from __future__ import annotations

import importlib
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from pytest_signaltrace.trace import importhooks
from pytest_signaltrace.trace.importhooks import when_imported


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder first on ``sys.path``; the modules imported from it are forgotten after."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]
    importlib.invalidate_caches()


def unique(prefix: str = "hooked") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def write(folder: Path, name: str, source: str) -> None:
    (folder / f"{name}.py").write_text(source)
    importlib.invalidate_caches()


def record(calls: list[ModuleType]) -> importhooks.Hook:
    return calls.append


def test_a_module_already_imported_is_handed_to_the_hook_at_once(folder: Path) -> None:
    name = unique()
    write(folder, name, "VALUE = 1\n")
    module = importlib.import_module(name)
    calls: list[ModuleType] = []
    when_imported(name, record(calls))
    assert calls == [module]
    assert name not in importhooks.waiting()


def test_the_hook_runs_once_after_the_module_ran_to_its_end(folder: Path) -> None:
    name = unique()
    write(folder, name, "import sys\nFIRST = 1\nLAST = 2\n")
    seen: list[tuple[bool, bool]] = []
    when_imported(
        name, lambda module: seen.append((hasattr(module, "FIRST"), hasattr(module, "LAST")))
    )
    assert name in importhooks.waiting()
    importlib.import_module(name)
    importlib.import_module(name)
    assert seen == [(True, True)]
    assert name not in importhooks.waiting()


def test_the_module_keeps_its_real_loader(folder: Path) -> None:
    name = unique()
    write(folder, name, "LOADER_SEEN = __loader__\n")
    when_imported(name, lambda module: None)
    module = importlib.import_module(name)
    for loader in (module.__loader__, module.__spec__.loader, module.LOADER_SEEN):
        assert type(loader).__name__ == "SourceFileLoader"
    assert module.__loader__.get_source(name) == "LOADER_SEEN = __loader__\n"


def test_the_finder_leaves_meta_path_once_no_hook_waits(folder: Path) -> None:
    name = unique()
    write(folder, name, "")
    finders = len(sys.meta_path)
    when_imported(name, lambda module: None)
    assert len(sys.meta_path) == finders + 1
    importlib.import_module(name)
    assert len(sys.meta_path) == finders


def test_a_removed_hook_is_not_called_and_leaves_nothing_behind(folder: Path) -> None:
    name = unique()
    write(folder, name, "")
    finders = list(sys.meta_path)
    calls: list[ModuleType] = []
    remove = when_imported(name, record(calls))
    remove()
    remove()  # twice: harmless
    importlib.import_module(name)
    assert calls == []
    assert sys.meta_path == finders
    assert name not in importhooks.waiting()


def test_an_import_in_a_thread_calls_the_hook_on_that_thread(folder: Path) -> None:
    name = unique()
    write(folder, name, "")
    threads: list[str] = []
    when_imported(name, lambda module: threads.append(threading.current_thread().name))
    worker = threading.Thread(target=importlib.import_module, args=(name,), name="importer")
    worker.start()
    worker.join()
    assert threads == ["importer"]


def test_concurrent_imports_call_the_hook_once(folder: Path) -> None:
    name = unique()
    write(folder, name, "import time\ntime.sleep(0.05)\n")
    calls: list[ModuleType] = []
    when_imported(name, record(calls))
    workers = [threading.Thread(target=importlib.import_module, args=(name,)) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert calls == [sys.modules[name]]


def test_a_failed_import_keeps_the_hook_for_a_retry_that_succeeds(folder: Path) -> None:
    name = unique()
    write(folder, name, "raise RuntimeError('not yet')\n")
    calls: list[ModuleType] = []
    when_imported(name, record(calls))
    with pytest.raises(RuntimeError, match="not yet"):
        importlib.import_module(name)
    assert calls == []
    assert name not in sys.modules
    write(folder, name, "FIXED = True\n")
    module = importlib.import_module(name)
    assert calls == [module]
    assert module.FIXED


def test_a_module_that_replaces_itself_hands_over_the_replacement(folder: Path) -> None:
    name = unique()
    write(
        folder,
        name,
        "import sys, types\n"
        "replacement = types.ModuleType(__name__)\nreplacement.REPLACED = True\n"
        "sys.modules[__name__] = replacement\n",
    )
    calls: list[ModuleType] = []
    when_imported(name, record(calls))
    imported = importlib.import_module(name)
    assert calls == [imported]
    assert imported.REPLACED


def test_a_submodule_of_a_namespace_package_is_hooked_the_package_itself_is_not(
    folder: Path,
) -> None:
    # A namespace package has no loader to wrap (as with wrapt's hooks): its own hook waits;
    # its submodules are ordinary modules.
    package = unique("namespace")
    (folder / package).mkdir()
    (folder / package / "inner.py").write_text("INNER = 1\n")
    importlib.invalidate_caches()
    calls: list[str] = []
    remove = when_imported(package, lambda module: calls.append(module.__name__))
    when_imported(f"{package}.inner", lambda module: calls.append(module.__name__))
    importlib.import_module(f"{package}.inner")
    assert calls == [f"{package}.inner"]
    assert importhooks.waiting() == {package: 1}
    assert type(sys.modules[package].__loader__).__name__ == "NamespaceLoader"
    remove()


def test_a_reload_after_the_hook_ran_calls_nothing_and_keeps_the_real_loader(
    folder: Path,
) -> None:
    name = unique()
    write(folder, name, "VALUE = 1\n")
    calls: list[ModuleType] = []
    when_imported(name, record(calls))
    module = importlib.import_module(name)
    write(folder, name, "VALUE = 2\n")
    importlib.reload(module)
    assert module.VALUE == 2
    assert calls == [module]
    assert type(module.__loader__).__name__ == "SourceFileLoader"


def test_a_hook_registered_in_a_hook_for_an_imported_module_runs_at_once(folder: Path) -> None:
    first, second = unique(), unique()
    write(folder, first, f"import {second}\n")
    write(folder, second, "")
    order: list[str] = []

    def on_first(module: ModuleType) -> None:
        order.append(module.__name__)
        when_imported(second, lambda inner: order.append(inner.__name__))

    when_imported(first, on_first)
    importlib.import_module(first)
    assert order == [first, second]
