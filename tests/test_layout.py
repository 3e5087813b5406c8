"""The package keeps the layout of the pipeline: few root modules, small modules, no import
cycles, and stages that import downward only.

The import graph is built from the AST of every module of ``pytest_signaltrace`` (nothing is
imported), with three kinds of edges:

* ``module``: an import run when the module is imported (at the top level, or under ``try`` or
  a plain ``if``);
* ``typing``: an import under ``if TYPE_CHECKING:``; it never runs, but type checkers and readers
  follow it, and a cycle through it still ties two modules into one;
* ``deferred``: an import inside a function body; it runs later, so it cannot fail at import
  time, but a cycle through it is the same cycle moved to run time.

All three kinds count, for the cycles and for the stages alike: a deferred or type-only import
is the usual way to hide a cycle or an upward dependency, so it is no way out of these tests.
An edge goes to the module a name comes from: ``from pytest_signaltrace.scan import catalogue``
to ``scan.catalogue`` (a submodule), ``from pytest_signaltrace.settings import ConfigError`` to
``settings`` (the package's ``__init__``, which imports its submodules in turn).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import pytest_signaltrace

PACKAGE = "pytest_signaltrace"
PACKAGE_DIR = Path(pytest_signaltrace.__file__).parent

#: The most modules (``.py`` files, ``__init__`` and ``__main__`` included) at the package root.
MAX_ROOT_MODULES = 6
#: The most lines a module may have.
MAX_LINES = 400
#: Modules allowed over :data:`MAX_LINES` for now, each with the reason; an allowance that is no
#: longer needed fails :func:`test_every_line_allowance_is_still_needed`, so the list shrinks.
LINE_ALLOWANCES: dict[str, str] = {}

#: The stages, lowest first: a module may import from its own tier or a lower one, never a
#: higher one. A module belongs to the entry of :data:`PLACEMENT` with the longest matching
#: dotted prefix (relative to the package; ``""`` is the package's ``__init__``).
TIERS = ("shared", "stages", "merge", "outputs", "settings", "fix", "entry")
PLACEMENT: dict[str, str] = {
    # The records every stage speaks, the package's constants (data file name, version) and
    # safe file writing: imported by all, importing nothing of the package.
    "": "shared",
    "model": "shared",
    "output": "shared",
    "frameworks": "shared",
    # The verdict rules are pure functions over model records, shared by the scan
    # (``scan/derive.py``: a signal's static status) and the merge, so that `signaltrace scan`
    # and the merged report decide alike: they sit below both.
    "merge.verdicts": "shared",
    # The cascade records sit in the report (``model.Report.cascades``), built by the merge.
    "merge.cascade_model": "shared",
    # The two halves of the pipeline, and the data file that stores what they produced.
    "scan": "stages",
    "trace": "stages",
    "datafile": "stages",
    # The static map's JSON form (`signaltrace scan --format json`) is the scan's own output,
    # and the data file embeds it: it belongs with the scan, though its module sits with the
    # other formats.
    "report.scan_json": "stages",
    "merge": "merge",
    "gates": "outputs",
    "report": "outputs",
    # Settings are read only by the entry points, which hand plain values down (a gate takes a
    # threshold, a reporter its ReportOptions), so no stage depends on how it was configured;
    # settings in turn know the reports' options and the diff gate's default branch.
    "settings": "settings",
    # `signaltrace fix` judges the whole project its folder belongs to, found and configured
    # as a pytest run would be (its sources, data file, exclusions): it reads the settings
    # itself, so it sits above them, under the command line that runs it.
    "fix": "fix",
    "plugin": "entry",
    "cli": "entry",
    "__main__": "entry",
    # The public ``pytest_signaltrace.fixture`` path re-exports the plugin's fixture types.
    "fixture": "entry",
}


@dataclass(frozen=True)
class Module:
    """A module of the package: its dotted name relative to the package, and its file."""

    name: str
    path: Path

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


@dataclass(frozen=True)
class Edge:
    """An import of ``target`` by ``source`` at ``line``, of a ``kind`` (see the docstring)."""

    source: str
    target: str
    kind: str
    line: int

    def __str__(self) -> str:
        where = f"{self.kind}, line {self.line}"
        return f"{self.source or PACKAGE} -> {self.target or PACKAGE} ({where})"


def package_modules() -> dict[str, Module]:
    """Every module of the package by its dotted name relative to the package."""
    modules = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE_DIR).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = Module(".".join(parts), path)
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    """Every import statement under ``tree`` with its kind."""

    def walk(node: ast.AST, kind: str) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, kind
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from walk(child, "deferred")
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                # Inside a function it is still deferred: it never runs at import time.
                typing = "typing" if kind == "module" else kind
                yield from walk(ast.Module(body=child.body, type_ignores=[]), typing)
                yield from walk(ast.Module(body=child.orelse, type_ignores=[]), kind)
            else:
                yield from walk(child, kind)

    yield from walk(tree, "module")


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    """The dotted name ``node`` imports from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = [PACKAGE, *module.name.split(".")] if module.name else [PACKAGE]
    if not module.is_package:
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _inside(dotted: str) -> str | None:
    """``dotted`` relative to the package, or ``None`` for a name outside it."""
    if dotted == PACKAGE:
        return ""
    if dotted.startswith(PACKAGE + "."):
        return dotted[len(PACKAGE) + 1 :]
    return None


def import_edges() -> list[Edge]:
    """Every import of one of the package's modules by another (see the module docstring)."""
    modules = package_modules()
    edges: dict[Edge, None] = {}  # in order, without the repeats of ``from m import a, b``
    for module in modules.values():
        tree = ast.parse(module.path.read_text(encoding="utf-8"), str(module.path))
        for node, kind in _imports(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [t for a in node.names if (t := _inside(a.name)) is not None]
            else:
                base = _inside(_absolute(module, node))
                if base is None:
                    continue
                for alias in node.names:
                    submodule = f"{base}.{alias.name}" if base else alias.name
                    targets.append(submodule if submodule in modules else base)
            for target in targets:
                if target != module.name and target in modules:
                    edges[Edge(module.name, target, kind, node.lineno)] = None
    return list(edges)


def import_cycles(edges: list[Edge]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def tier_of(module: str) -> str:
    """The tier of ``module`` (see :data:`PLACEMENT`)."""
    parts = module.split(".") if module else []
    for size in range(len(parts), -1, -1):
        prefix = ".".join(parts[:size])
        if prefix in PLACEMENT:
            return PLACEMENT[prefix]
    raise AssertionError(f"module {module!r} has no tier: add its folder to PLACEMENT")


def test_the_package_root_holds_at_most_six_modules() -> None:
    root = sorted(path.name for path in PACKAGE_DIR.glob("*.py"))
    assert len(root) <= MAX_ROOT_MODULES, root


def test_no_module_is_over_400_lines() -> None:
    too_long = {}
    for module in package_modules().values():
        relative = module.path.relative_to(PACKAGE_DIR).as_posix()
        lines = len(module.path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and relative not in LINE_ALLOWANCES:
            too_long[relative] = lines
    assert not too_long, f"split these by concern (at most {MAX_LINES} lines): {too_long}"


def test_every_line_allowance_is_still_needed() -> None:
    for relative in LINE_ALLOWANCES:
        path = PACKAGE_DIR / relative
        if path.exists():
            lines = len(path.read_text(encoding="utf-8").splitlines())
            assert lines > MAX_LINES, f"{relative} has {lines} lines: drop its allowance"


def test_the_package_has_no_import_cycle() -> None:
    edges = import_edges()
    cycles = import_cycles(edges)
    described = [
        [str(edge) for edge in edges if edge.source in cycle and edge.target in cycle]
        for cycle in cycles
    ]
    assert not cycles, "import cycles:\n" + "\n".join(
        f"{cycle}: " + "; ".join(inside) for cycle, inside in zip(cycles, described, strict=True)
    )


def test_stages_import_downward_only() -> None:
    upward = [
        f"{edge}: {tier_of(edge.source)} imports {tier_of(edge.target)}"
        for edge in import_edges()
        if TIERS.index(tier_of(edge.target)) > TIERS.index(tier_of(edge.source))
    ]
    assert not upward, "imports from a higher stage:\n" + "\n".join(upward)


def test_every_module_has_a_tier() -> None:
    for name in package_modules():
        assert tier_of(name) in TIERS


# The checks above on small made-up graphs, so that a pass means something.


@pytest.mark.parametrize(
    ("source", "kinds"),
    [
        ("import pytest_signaltrace.model\n", ["module"]),
        ("if TYPE_CHECKING:\n    from pytest_signaltrace import model\n", ["typing"]),
        ("def f():\n    from pytest_signaltrace import model\n", ["deferred"]),
        ("class C:\n    def m(self):\n        import pytest_signaltrace.model\n", ["deferred"]),
        ("try:\n    import pytest_signaltrace.model\nexcept ImportError:\n    pass\n", ["module"]),
    ],
)
def test_imports_are_told_apart_by_where_they_run(source: str, kinds: list[str]) -> None:
    assert [kind for _, kind in _imports(ast.parse(source))] == kinds


def test_a_cycle_through_a_type_only_import_is_found() -> None:
    edges = [
        Edge("trace.quiet", "trace.recorder", "typing", 1),
        Edge("trace.recorder", "trace.quiet", "module", 1),
        Edge("trace.recorder", "trace.frames", "module", 2),
    ]
    assert import_cycles(edges) == [["trace.quiet", "trace.recorder"]]


def test_relative_imports_resolve_to_the_package_modules() -> None:
    module = Module("scan.files", PACKAGE_DIR / "scan" / "files.py")
    node = ast.parse("from .bytefacts import learn").body[0]
    assert isinstance(node, ast.ImportFrom)
    assert _absolute(module, node) == "pytest_signaltrace.scan.bytefacts"


def test_a_module_takes_the_tier_of_its_longest_placed_prefix() -> None:
    assert tier_of("merge.verdicts") == "shared"
    assert tier_of("merge.senders") == "merge"
    assert tier_of("report.html") == "outputs"
    assert tier_of("") == "shared"
