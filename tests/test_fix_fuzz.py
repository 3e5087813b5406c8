"""``signaltrace fix --write`` on generated projects with a run's data: it never removes a
receiver that ran (nor one whose signal the code sends, nor a function anything else uses), and
every file it writes still parses (issue 22, "a fix fuzz").

Each example is a package of two or three signals and up to five handlers registered by every
form ``fix`` knows: ``@receiver(s)``, stacked ``@receiver`` decorators, ``@receiver([a, b])``
lists, ``s.connect(h)``; names imported with relative imports (``from .signals import s0``,
``from . import signals``); some handlers also carry another decorator or are called from
another module. Some signals are sent in the code; some are sent at run time by code the scan
cannot see, and the hand-made trace says every receiver of those ran. Sometimes lines move after
the run, or the run happened in another checkout folder. After ``fix --write`` the package is
imported for real and each of those signals sent: every handler that ran must still answer.
"""

from __future__ import annotations

import ast
import importlib
import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_signaltrace.cli import ExitCode, main
from pytest_signaltrace.datafile.data import RunData, write_data
from pytest_signaltrace.scan import scan
from pytest_signaltrace.trace.model import (
    CodeRef,
    HandlerRef,
    ReceiverKey,
    SendKey,
    SignalRef,
    Trace,
)

_PACKAGES = itertools.count()


@dataclass(frozen=True)
class Handler:
    """One generated handler: its registrations and what else uses it."""

    #: Each decorator's signals (one: ``@receiver(s)``; more: ``@receiver([a, b])``).
    decorators: tuple[tuple[int, ...], ...]
    #: Signals it is connected to with ``s.connect(h)``.
    connects: tuple[int, ...]
    #: ``@keep`` (another decorator) on it; at which position among the decorators.
    kept_by_decorator: int | None
    #: Called from another module.
    called: bool
    #: In ``more.py`` (else ``receivers.py``).
    module: str
    #: ``signals.s0`` rather than ``s0``.
    dotted: bool


@dataclass(frozen=True)
class Project:
    """A generated project and its run."""

    signals: int
    handlers: tuple[Handler, ...]
    #: Signals the code sends.
    sent_in_code: frozenset[int]
    #: Signals sent at run time by code the scan cannot see.
    sent_at_run_time: frozenset[int]
    #: A line added at the top of every receivers module after the run.
    moved: bool = False
    #: The run happened in another checkout folder, gone since.
    elsewhere: bool = False


@st.composite
def projects(draw: st.DrawFn) -> Project:
    """A random small project (see the module docstring)."""
    signals = draw(st.integers(2, 3))
    signal = st.integers(0, signals - 1)
    handlers = []
    for _ in range(draw(st.integers(1, 5))):
        decorators = draw(
            st.lists(st.lists(signal, min_size=1, max_size=2, unique=True).map(tuple), max_size=2)
        )
        connects = draw(st.lists(signal, max_size=2, unique=True))
        if not decorators and not connects:
            connects = [draw(signal)]
        keep = draw(st.none() | st.integers(0, len(decorators)))
        handlers.append(
            Handler(
                tuple(decorators),
                tuple(connects),
                keep,
                draw(st.booleans()),
                draw(st.sampled_from(["receivers", "more"])),
                draw(st.booleans()),
            )
        )
    subsets = st.frozensets(signal)
    return Project(
        signals,
        tuple(handlers),
        draw(subsets),
        draw(subsets),
        moved=draw(st.booleans()),
        elsewhere=draw(st.booleans()),
    )


def _registered(handler: Handler) -> set[int]:
    return {s for signals in handler.decorators for s in signals} | set(handler.connects)


def _write(root: Path, package: str, project: Project) -> None:
    folder = root / package
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    names = [f"s{i}" for i in range(project.signals)]
    (folder / "signals.py").write_text(
        "from django.dispatch import Signal\n\n" + "".join(f"{n} = Signal()\n" for n in names)
    )
    (folder / "util.py").write_text("def keep(function):\n    return function\n")
    header = (
        "from django.dispatch import receiver\n\n"
        "from . import signals\n"
        f"from .signals import {', '.join(names)}\n"
        "from .util import keep\n"
    )
    bodies: dict[str, list[str]] = {"receivers": [header], "more": [header]}
    tails: dict[str, list[str]] = {"receivers": [], "more": []}
    for index, handler in enumerate(project.handlers):

        def name(i: int, dotted: bool = handler.dotted) -> str:
            return f"signals.s{i}" if dotted else f"s{i}"

        lines = []
        for signals in handler.decorators:
            inner = name(signals[0]) if len(signals) == 1 else f"[{', '.join(map(name, signals))}]"
            lines.append(f"@receiver({inner})\n")
        if handler.kept_by_decorator is not None:
            lines.insert(handler.kept_by_decorator, "@keep\n")
        bodies[handler.module].append(
            f"\n\n# Handler {index}.\n{''.join(lines)}def h{index}(sender, **kwargs):\n"
            f"    return 'h{index}'\n"
        )
        tails[handler.module].extend(f"{name(s)}.connect(h{index})\n" for s in handler.connects)
    for module in ("receivers", "more"):
        tail = "\n\n" + "".join(tails[module]) if tails[module] else ""
        (folder / f"{module}.py").write_text("".join(bodies[module]) + tail)
    uses = [(i, h.module) for i, h in enumerate(project.handlers) if h.called]
    (folder / "use.py").write_text(
        "".join(f"from .{module} import h{i}\n" for i, module in uses)
        + "\n\ndef use():\n"
        + "".join(f"    h{i}(None)\n" for i, _ in uses)
        + "    return None\n"
    )
    (folder / "send.py").write_text(
        "from . import signals\n\n\ndef send():\n"
        + "".join(f"    signals.s{i}.send(sender=None)\n" for i in sorted(project.sent_in_code))
        + "    return None\n"
    )


def _trace(root: Path, package: str, project: Project) -> Trace:
    """The run: every signal of ``sent_at_run_time`` sent once from a library, and every
    receiver registered to it ran."""
    folder = root / package
    sends: dict[SendKey, int] = {}
    calls: dict[ReceiverKey, int] = {}
    for s in sorted(project.sent_at_run_time):
        signal = SignalRef(f"{package}.signals.s{s}", str(folder / "signals.py"), 3 + s)
        sends[SendKey(signal, "send", CodeRef("/opt/lib/dispatch.py", 1), None)] = 1
        for index, handler in enumerate(project.handlers):
            if s in _registered(handler):
                ref = HandlerRef(
                    f"{package}.{handler.module}.h{index}", str(folder / f"{handler.module}.py"), 1
                )
                calls[ReceiverKey(signal, ref)] = 1
    return Trace(sends=sends, receiver_calls=calls)


@contextmanager
def _inside(folder: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(folder)
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        os.chdir(before)
        sys.path.remove(str(folder))


def _answers(package: str, project: Project) -> tuple[dict[int, set[str]], set[str]]:
    """Import the fixed package and send every signal: which handlers answer each, and which
    handler functions are still defined."""
    try:
        modules = [
            importlib.import_module(f"{package}.{name}")
            for name in ("receivers", "more", "use", "send")
        ]
        signals = importlib.import_module(f"{package}.signals")
        answers = {
            s: {str(response) for _, response in getattr(signals, f"s{s}").send(sender=None)}
            for s in range(project.signals)
        }
        return answers, {name for module in modules[:2] for name in vars(module)}
    finally:
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects())
def test_fix_never_removes_what_ran_and_what_it_writes_parses(project: Project) -> None:
    package = f"fuzzshop{next(_PACKAGES)}"
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder).resolve() / "checkout"
        _write(root, package, project)
        (root / "pytest.ini").write_text("[pytest]\n")
        write_data(
            root / ".signaltrace",
            RunData.from_run(
                scan(root), _trace(root, package, project), rootdir=root, sources=[root]
            ),
        )
        if project.moved:
            for module in ("receivers", "more"):
                path = root / package / f"{module}.py"
                path.write_text("# Added after the run.\n" + path.read_text())
        if project.elsewhere:
            shutil.move(root, root.with_name("elsewhere"))
            root = root.with_name("elsewhere")
        with _inside(root):
            status = main(["fix", ".", "--dead", "--unused-signals", "--write", "--no-cache"])
            assert status == ExitCode.OK
            for path in root.rglob("*.py"):
                ast.parse(path.read_bytes(), str(path))
            answers, defined = _answers(package, project)
    alive = project.sent_at_run_time | project.sent_in_code
    for index, handler in enumerate(project.handlers):
        for s in _registered(handler) & alive:
            assert f"h{index}" in answers[s], (index, s)
        if handler.kept_by_decorator is not None or handler.called:
            assert f"h{index}" in defined, index
