"""The framework registry: what the adapters declare, how the scan's names follow it, and that
the core names no framework."""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import types
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_signaltrace import frameworks
from pytest_signaltrace.frameworks import ArgSpec, Framework, SignalClass, discovery
from pytest_signaltrace.scan import catalogue, prefilter, prune, shapes
from pytest_signaltrace.trace.signals import SignalRegistry, find_existing_signals

PACKAGE = Path(frameworks.__file__).parent.parent

#: A framework whose sends are ``fire`` and whose signals are ``Event`` objects.
EVENTS = Framework(
    name="events",
    signal_classes=frozenset({"eventlib.Event"}),
    builtin_signals=("eventlib.started",),
    packages=frozenset({"eventlib"}),
    receiver_decorators=frozenset({"eventlib.on"}),
    send_methods=("fire",),
    connect_methods=("subscribe",),
    disconnect_methods=("unsubscribe",),
    classes=(
        SignalClass(
            module="eventlib",
            class_name="Event",
            connect="subscribe",
            connect_args=ArgSpec(0, 1, 2),
            disconnect_args=ArgSpec(0, 1, 2),
            sync_sends=("fire",),
        ),
    ),
)


@pytest.fixture
def events() -> Iterator[Framework]:
    """:data:`EVENTS`, registered for the test."""
    unregister = frameworks.register(EVENTS)
    yield EVENTS
    unregister()


def test_django_and_celery_come_built_in_in_that_order() -> None:
    assert [f.name for f in frameworks.registered()][:2] == ["django", "celery"]
    known = catalogue.builtin_signals()
    assert known["django.db.models.signals.post_save"] == "django"
    assert known["celery.signals.task_prerun"] == "celery"
    assert catalogue.canonical_builtin("django.test.signals.setting_changed") == (
        "django.core.signals.setting_changed"
    )


def test_a_signal_nothing_names_belongs_to_its_package_or_the_first_framework() -> None:
    assert catalogue.framework_of_signal("celery.contrib.custom") == "celery"
    assert catalogue.framework_of_signal("allauth.account.signals.user_signed_up") == "django"


def test_registering_changes_the_catalogue_and_unregistering_restores_it() -> None:
    before = frameworks.catalogue()
    unregister = frameworks.register(EVENTS)
    try:
        during = frameworks.catalogue()
        assert during.fingerprint != before.fingerprint
        assert during.signal_classes["eventlib.Event"] == "events"
        assert catalogue.framework_of_signal("eventlib.other") == "events"
        assert "fire" in shapes.current().send_methods
    finally:
        unregister()
    assert frameworks.catalogue() == before
    assert "fire" not in shapes.current().send_methods


def test_a_subscriber_hears_of_frameworks_registered_later() -> None:
    heard: list[str] = []
    unsubscribe = frameworks.subscribe(lambda framework: heard.append(framework.name))
    try:
        frameworks.register(EVENTS)()
    finally:
        unsubscribe()
    frameworks.register(EVENTS)()
    assert heard == ["events"]


def test_a_broken_entry_point_is_a_warning_not_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken:
        name = "broken"
        value = "nowhere:FRAMEWORK"

        def load(self) -> Any:
            raise ImportError("no module named nowhere")

    monkeypatch.setattr(
        importlib.metadata, "entry_points", lambda group: [Broken()] if group else []
    )
    monkeypatch.setattr(discovery, "_may_declare", lambda: True)
    monkeypatch.setattr(frameworks, "_loaded_entry_points", None)
    monkeypatch.setattr(frameworks, "_registered", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        names = [f.name for f in frameworks.registered()]
    monkeypatch.undo()
    frameworks._registered = None
    assert names == ["django", "celery", "blinker"]
    assert ["broken" in str(w.message) for w in caught] == [True]


def test_entry_points_are_read_only_where_a_distribution_names_the_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other-1.0.dist-info"
    other.mkdir()
    (other / "entry_points.txt").write_text("[pytest11]\nother = other.plugin\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), str(tmp_path / "missing")])
    assert not discovery._may_declare()
    toy = tmp_path / "toy-1.0.dist-info"
    toy.mkdir()
    (toy / "entry_points.txt").write_text(
        "[pytest_signaltrace.frameworks]\ntoy = toy_adapter:FRAMEWORK\n"
    )
    assert discovery._may_declare()


def test_the_builtin_shapes_are_the_texts_the_scan_always_looked_for() -> None:
    current = shapes.current()
    assert current.send_methods == {"send", "send_robust", "asend", "asend_robust", "send_async"}
    assert current.connect_methods == {"connect", "connected_to"}
    assert current.class_names == ("ModelSignal", "NamedSignal", "Signal")
    assert prefilter.may_use(b"x.asend_robust(")
    assert prefilter.may_use(b"@receiver(s)")
    assert not prefilter.may_use(b"notify(x)")
    for text in ("a.send(", "a . connect(", "receiver", "Signal"):
        assert current.trigger.search(text), text
    assert current.bound_send.findall("send_prerun = signals.task_prerun.send\n") == [
        "send_prerun"
    ]


def test_a_registered_framework_s_names_are_found_by_the_scan(
    events: Framework, scan_tree: Any
) -> None:
    assert prefilter.may_define(b"x = Event()")
    assert prefilter.may_use(b"x.fire(")
    assert prune.outline("x.fire(sender=1)\n").chunks
    static = scan_tree(
        {
            "app/__init__.py": "",
            "app/events.py": "from eventlib import Event\n\nbooted = Event()\n",
            "app/handlers.py": """
                from eventlib import on
                from app.events import booted


                @on(booted)
                def a(sender, **kw):
                    pass


                def b(sender, **kw):
                    pass


                booted.subscribe(b)
                booted.unsubscribe(b)
                booted.fire(sender=None)
            """,
        }
    )
    assert [(d.signal, d.framework) for d in static.definitions] == [
        ("app.events.booted", "events")
    ]
    assert sorted((r.handler, r.kind) for r in static.receivers) == [
        ("app.handlers.a", "decorator"),
        ("app.handlers.b", "connect"),
    ]
    assert [(s.signal, s.method) for s in static.senders] == [("app.events.booted", "fire")]


def test_adopting_a_registry_adds_only_the_frameworks_missing() -> None:
    frameworks.adopt(frameworks.registered())
    assert [f.name for f in frameworks.registered()] == ["django", "celery", "blinker"]
    frameworks.adopt([EVENTS])
    try:
        assert [f.name for f in frameworks.registered()] == [
            "django",
            "celery",
            "blinker",
            "events",
        ]
    finally:
        frameworks._extra.remove(EVENTS)
        frameworks._registered = None


class Named:
    """A signal looked up by name: its identity is its name, wherever it is held."""

    def __init__(self, name: str) -> None:
        self.name = name


def test_a_framework_may_name_its_signals_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("namedlib")
    module.Named = Named  # type: ignore[attr-defined]
    module.held = Named("ready")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "namedlib", module)
    named = Framework(
        name="named",
        signal_classes=frozenset({"namedlib.Named"}),
        classes=(
            SignalClass(
                module="namedlib",
                class_name="Named",
                connect="connect",
                connect_args=ArgSpec(0, 1, 2),
                disconnect_args=ArgSpec(0, 1, 2),
            ),
        ),
        signal_id=lambda signal: f"named:{signal.name}",
    )
    unregister = frameworks.register(named)
    try:
        registry = SignalRegistry()
        local = Named("local")  # held by no module: named all the same
        tokens = [registry.token(module.held), registry.token(local)]  # type: ignore[attr-defined]
        refs = registry.refs(tokens)
        found = {name: obj for obj, name in find_existing_signals()}
    finally:
        unregister()
    assert [refs[token].signal for token in tokens] == ["named:ready", "named:local"]
    assert found["named:ready"] is module.held  # type: ignore[attr-defined]


def _code_strings(path: Path) -> Iterator[tuple[int, str]]:
    """Names and string constants of a module, docstrings left out."""
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield node.lineno, node.value
        elif isinstance(node, ast.Name):
            yield node.lineno, node.id
        elif isinstance(node, ast.FunctionDef | ast.ClassDef | ast.alias):
            yield getattr(node, "lineno", 0), node.name


#: User-facing words (help texts, a hint), not knowledge: ``path: count``.
_ALLOWED = {"cli/__init__.py": 1, "cli/run.py": 1, "settings/keys.py": 2}


def test_the_core_names_no_framework_in_its_code() -> None:
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relpath = path.relative_to(PACKAGE).as_posix()
        if relpath.startswith("frameworks/"):
            continue
        for line, text in _code_strings(path):
            if "django" in text.lower() or "celery" in text.lower():
                found.setdefault(relpath, []).append(f"{line}: {text[:60]}")
    assert {path: len(hits) for path, hits in found.items()} == _ALLOWED, found
