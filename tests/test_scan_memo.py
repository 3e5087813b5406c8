"""The tree memo: a warm scan of an unchanged tree answers with the last map, and a tree that
changed in any way the scan could see is scanned again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from scan_samples import TREE

from pytest_signaltrace.model import SignalCategory, SkippedFile, StaticMap
from pytest_signaltrace.scan import engine, mapcodec, memo, scan, statindex

if TYPE_CHECKING:
    from conftest import WriteTree

EXAMPLE_PROJECT = Path(__file__).resolve().parent.parent / "example_project"
HOUR_NS = 3600 * 1_000_000_000


class Builds:
    """Counts the scans the memo did not answer (the engine built the map)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        build = engine.build_map

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return build(*args, **kwargs)

        monkeypatch.setattr(engine, "build_map", counted)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Builds:
    # The tree was written long before the scan (an hour): its files are not "racily clean".
    monkeypatch.setattr(statindex, "clock_ns", lambda: time.time_ns() + HOUR_NS)
    return Builds(monkeypatch)


def memo_files(cache: Path) -> list[Path]:
    return sorted((cache / f"memo-v{memo.SCHEMA}").glob("*.json"))


def test_a_warm_scan_of_an_unchanged_tree_builds_no_map(
    tree: WriteTree, tmp_path: Path, builds: Builds
) -> None:
    root = tree(TREE)
    cache = tmp_path / "cache"
    cold = scan(root, cache_dir=cache)
    assert builds.count == 1
    warm = scan(root, cache_dir=cache)
    assert builds.count == 1
    assert warm == cold == scan(root)
    assert len(memo_files(cache)) == 1


def rename(root: Path) -> None:
    (root / "shop/views.py").rename(root / "shop/views2.py")


def same_size_rewrite_with_its_mtime_put_back(root: Path) -> None:
    views = root / "shop/views.py"
    before = os.stat(views)
    views.write_text(views.read_text().replace('"Order"', '"Other"'))
    os.utime(views, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(views).st_size == before.st_size


CHANGES: dict[str, Callable[[Path], Any]] = {
    "added": lambda root: (root / "shop/more.py").write_text(
        "from shop.signals import order_placed\norder_placed.send(sender=1)\n"
    ),
    "deleted": lambda root: (root / "shop/receivers.py").unlink(),
    "renamed": rename,
    "edited": lambda root: (root / "shop/views.py").write_text(
        "from shop.signals import order_placed\n"
    ),
    "same size, mtime put back": same_size_rewrite_with_its_mtime_put_back,
    "mtime only": lambda root: os.utime(root / "shop/views.py", ns=(1, 1)),
    "checkout marker": lambda root: (root / "pyproject.toml").write_text(""),
    "binary file fixed": lambda root: (root / "shop/binary.py").write_text("x = 1\n"),
}


@pytest.mark.parametrize("change", list(CHANGES.values()), ids=list(CHANGES))
def test_a_tree_changed_in_any_way_is_scanned_again(
    tree: WriteTree, tmp_path: Path, builds: Builds, change: Callable[[Path], Any]
) -> None:
    root = tree(TREE)
    cache = tmp_path / "cache"
    scan(root, cache_dir=cache)
    change(root)
    again = scan(root, cache_dir=cache)
    assert builds.count == 2
    assert again == scan(root)


def test_a_package_made_above_the_root_is_scanned_again(
    tree: WriteTree, tmp_path: Path, builds: Builds
) -> None:
    # The root is a package: an __init__.py above it changes the module names.
    files = {f"shop/{name}": text for name, text in TREE.items()}
    root = tree(files | {"shop/__init__.py": ""}) / "shop"
    cache = tmp_path / "cache"
    scan(root, cache_dir=cache)
    (root.parent / "__init__.py").write_text("")
    after = scan(root, cache_dir=cache)
    assert builds.count == 2
    assert after == scan(root)


def test_other_options_are_another_memo(tree: WriteTree, tmp_path: Path, builds: Builds) -> None:
    root = tree(TREE)
    cache = tmp_path / "cache"
    everything = scan(root, cache_dir=cache)
    without_views = scan(root, cache_dir=cache, exclude=["shop/views.py"])
    assert builds.count == 2
    assert without_views != everything
    assert scan(root, cache_dir=cache) == everything
    assert scan(root, cache_dir=cache, exclude=["shop/views.py"]) == without_views
    assert builds.count == 2
    assert len(memo_files(cache)) == 2


def test_new_index_rules_are_another_memo(
    tree: WriteTree, tmp_path: Path, builds: Builds, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stat index's rules (the prefilter's among them) decide which files a map is made
    of: when they change (its schema), a memo of the old rules answers no more."""
    root = tree(TREE)
    cache = tmp_path / "cache"
    scan(root, cache_dir=cache)
    monkeypatch.setattr(statindex, "SCHEMA", statindex.SCHEMA + 1)
    scan(root, cache_dir=cache)
    assert builds.count == 2


def test_only_the_most_recent_memos_are_kept(
    tree: WriteTree, tmp_path: Path, builds: Builds, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memo, "MAX_MEMOS", 2)
    root = tree(TREE)
    cache = tmp_path / "cache"
    for number in range(4):  # four requests: four memos written, the last two kept
        scan(root, cache_dir=cache, exclude=[f"nothing{number}"])
        time.sleep(0.01)  # distinct modification times
    assert len(memo_files(cache)) == 2
    scan(root, cache_dir=cache, exclude=["nothing3"])
    assert builds.count == 4


@pytest.mark.parametrize("mtime_set_back", [False, True])
def test_no_memo_of_a_tree_changed_within_the_racy_window(
    tree: WriteTree,
    tmp_path: Path,
    builds: Builds,
    monkeypatch: pytest.MonkeyPatch,
    mtime_set_back: bool,
) -> None:
    # Written just now: a change within the same timestamp tick could leave every signature
    # as it was, so the map of such a tree is never remembered; nor when only its change time
    # (st_ctime_ns) is recent, the modification time set back.
    monkeypatch.setattr(statindex, "clock_ns", time.time_ns)
    root = tree(TREE)
    if mtime_set_back:
        for path in root.rglob("*.py"):
            os.utime(path, ns=(1, 1))
    cache = tmp_path / "cache"
    scan(root, cache_dir=cache)
    scan(root, cache_dir=cache)
    assert builds.count == 2
    assert memo_files(cache) == []


NOT_REMEMBERED: dict[str, tuple[dict[str, str | bytes], dict[str, Any]]] = {
    # What becomes of a file over the limit, or of a folder the walk cannot enter, depends on
    # more than a signature.
    "file over the size limit": ({"shop/big.py": "x = 1\n" * 100}, {"max_file_size": 100}),
    # Installed packages depend on sys.path and on files outside the tree.
    "installed package looked up": (
        {"shop/uses.py": "from someinstalled.signals import thing\nthing.connect(print)\n"},
        {},
    ),
}


@pytest.mark.parametrize(
    ("files", "options"), list(NOT_REMEMBERED.values()), ids=list(NOT_REMEMBERED)
)
def test_no_memo_of_a_map_that_depends_on_more_than_the_signatures(
    tree: WriteTree,
    tmp_path: Path,
    builds: Builds,
    files: dict[str, str | bytes],
    options: dict[str, Any],
) -> None:
    root = tree(TREE | files)
    cache = tmp_path / "cache"
    first = scan(root, cache_dir=cache, **options)
    assert scan(root, cache_dir=cache, **options) == first
    assert builds.count == 2
    assert memo_files(cache) == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_no_memo_of_a_tree_with_a_symlink_loop(
    tree: WriteTree, tmp_path: Path, builds: Builds
) -> None:
    root = tree(TREE)
    (root / "shop" / "loop").symlink_to(root / "shop")
    cache = tmp_path / "cache"
    first = scan(root, cache_dir=cache)
    assert first.files_skipped
    assert scan(root, cache_dir=cache) == first
    assert builds.count == 2
    assert memo_files(cache) == []


DAMAGES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "not json": lambda document: "{not json",
    "other format": lambda document: document | {"format": "other"},
    "other tool": lambda document: document | {"tool": "0.0"},
    "other state": lambda document: document | {"state": "0" * 40},
    "unknown tag": lambda document: document | {"map": ["x", []]},
    "not a model class": lambda document: document | {"map": ["r", "Path", []]},
    "a field too many": lambda document: document | {"map": [*document["map"][:2], [1] * 99]},
    "not a map": lambda document: document | {"map": ["t", []]},
    "a dict": lambda document: document | {"map": {"a": 1}},
}


@pytest.mark.parametrize("damage", list(DAMAGES.values()), ids=list(DAMAGES))
def test_a_damaged_memo_is_a_miss(
    tree: WriteTree, tmp_path: Path, builds: Builds, damage: Callable[[dict[str, Any]], Any]
) -> None:
    root = tree(TREE)
    cache = tmp_path / "cache"
    first = scan(root, cache_dir=cache)
    (path,) = memo_files(cache)
    damaged = damage(json.loads(path.read_text()))
    path.write_text(damaged if isinstance(damaged, str) else json.dumps(damaged))
    assert scan(root, cache_dir=cache) == first
    assert builds.count == 2
    assert scan(root, cache_dir=cache) == first  # written again
    assert builds.count == 2


def test_the_memo_of_example_project_is_its_map(tmp_path: Path, builds: Builds) -> None:
    project = tmp_path / "example_project"
    shutil.copytree(EXAMPLE_PROJECT, project, ignore=shutil.ignore_patterns(".*"))
    cache = tmp_path / "cache"
    cold = scan(project, cache_dir=cache)
    assert cold.receivers
    assert cold.senders
    assert scan(project, cache_dir=cache) == cold
    assert builds.count == 1
    assert cold == scan(project)


def test_the_codec_gives_back_what_it_encoded() -> None:
    smap = StaticMap(
        root=".",
        files_scanned=2,
        files_parsed=1,
        files_skipped=(SkippedFile("a.py", "contains NUL bytes", True),),
        dead_receivers=frozenset({("a.py", 3, None), ("b.py", 4, "x.y")}),
    )
    encoded = mapcodec.encode(smap)
    assert mapcodec.decode(json.loads(json.dumps(encoded))) == smap
    member = next(iter(SignalCategory))
    assert mapcodec.decode(mapcodec._encode(member)) is member


def test_the_codec_refuses_what_it_cannot_give_back() -> None:
    with pytest.raises(TypeError):
        mapcodec.encode(StaticMap(root=".", files_scanned=1, files_parsed=0, definitions=[1]))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        mapcodec.decode({"a": 1})


#: Scans ``sys.argv[1]`` with the cache ``sys.argv[2]`` (the clock an hour ahead: the tree is
#: old enough to be remembered) and prints which of the engine, the facts and the prefilter
#: were imported.
SCAN_SCRIPT = """\
import json, sys, time
from pathlib import Path
from pytest_signaltrace.scan import scan, statindex
statindex.clock_ns = lambda: time.time_ns() + 3600 * 10**9
scan(Path(sys.argv[1]), cache_dir=Path(sys.argv[2]))
modules = ("scan.engine", "scan.facts", "scan.prefilter")
modules = [f"pytest_signaltrace.{name}" for name in modules]
print(json.dumps([m in sys.modules for m in modules]))
"""


def test_a_remembered_scan_imports_neither_the_engine_nor_the_facts_nor_the_prefilter(
    tree: WriteTree, tmp_path: Path
) -> None:
    root = tree(TREE)
    command = [sys.executable, "-c", SCAN_SCRIPT, str(root), str(tmp_path / "cache")]

    def imported() -> list[bool]:
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        return list(json.loads(done.stdout))

    assert imported() == [True, True, True]  # cold: the map is built
    assert imported() == [False, False, False]


def _data_file_text(static_map: StaticMap, root: Path, target: Path) -> str:
    from pytest_signaltrace.datafile.format import RunData
    from pytest_signaltrace.datafile.write import write_data
    from pytest_signaltrace.trace.model import Trace

    data = RunData(static_map, Trace(), str(root), (".",), created="2026-01-01T00:00:00Z")
    write_data(target, data)
    return target.read_text()


def test_a_warm_run_writes_the_static_map_text_the_memo_kept(
    tree: WriteTree, tmp_path: Path, builds: Builds, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The data file of a run whose map the memo answered takes the map's JSON text from the
    memo (written by the scan that made the map), not from building and encoding it again:
    the same bytes."""
    from pytest_signaltrace.report import scan_json

    root = tree(TREE)
    cache = tmp_path / "cache"
    cold = scan(root, cache_dir=cache)
    expected = _data_file_text(cold, root, tmp_path / "cold.signaltrace")
    warm = scan(root, cache_dir=cache)
    assert builds.count == 1
    assert memo.static_json_of(warm) is not None
    assert memo.static_json_of(cold) is None  # not the map recalled: built as ever

    def not_built(static_map: StaticMap) -> Any:
        raise AssertionError("the static map's document was built again")

    with monkeypatch.context() as patched:
        patched.setattr(scan_json, "scan_to_dict", not_built)
        assert _data_file_text(warm, root, tmp_path / "warm.signaltrace") == expected
    assert expected.count('"static":') == 1

    # A map recalled since replaces it: the first one's text is no longer taken.
    again = scan(root, cache_dir=cache)
    assert again is not warm
    assert memo.static_json_of(warm) is None
    assert _data_file_text(warm, root, tmp_path / "again.signaltrace") == expected
