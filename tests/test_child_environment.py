"""The environment that lets tests' subprocesses be traced (:class:`ChildTracing`): put in
place once, checked per test, the test's node id around each test, all given back at the end."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_signaltrace.datafile.child import CONFIG_ENV, TEST_ENV
from pytest_signaltrace.plugin.subprocesses import ChildTracing


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ChildTracing]:
    monkeypatch.setenv("PYTHONPATH", "/mine")
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.delenv(TEST_ENV, raising=False)
    tracing = ChildTracing([tmp_path])
    yield tracing
    tracing.collect()


def _hooked(children: ChildTracing) -> bool:
    return os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] == str(children.workdir)


def test_the_hook_is_in_place_during_tests_and_gone_after_collect(children: ChildTracing) -> None:
    children.enter_test("t.py::a")
    assert _hooked(children)
    assert os.environ["PYTHONPATH"].split(os.pathsep)[1:] == ["/mine"]
    assert os.environ[TEST_ENV] == "t.py::a"
    assert CONFIG_ENV in os.environ
    children.leave_test()
    assert TEST_ENV not in os.environ  # a process started between tests: no test's
    children.enter_test("t.py::b")
    assert os.environ[TEST_ENV] == "t.py::b"
    assert os.environ["PYTHONPATH"].split(os.pathsep) == [str(children.workdir), "/mine"]
    children.leave_test()
    children.collect()
    assert os.environ["PYTHONPATH"] == "/mine"
    assert CONFIG_ENV not in os.environ
    assert TEST_ENV not in os.environ


class _CountingSets:
    """Counts the variables set in ``os.environ``, by name."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        environ_type = type(os.environ)
        original = environ_type.__setitem__

        def counting(environ: os._Environ[str], name: str, value: str) -> None:
            self.names.append(name)
            original(environ, name, value)

        monkeypatch.setattr(environ_type, "__setitem__", counting)


def test_only_the_node_id_is_set_for_each_test(
    children: ChildTracing, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Setting a variable costs more than the rest of a test's tracing: the hook's variables
    # are set once, not for every test.
    sets = _CountingSets(monkeypatch)
    for number in range(5):
        children.enter_test(f"t.py::test_{number}")
        children.leave_test()
    assert sets.names.count(TEST_ENV) == 5
    assert sets.names.count("PYTHONPATH") == 1
    assert sets.names.count(CONFIG_ENV) == 1


def test_a_test_that_removes_the_hook_for_good_gets_it_back_for_the_next(
    children: ChildTracing,
) -> None:
    children.enter_test("t.py::a")
    del os.environ["PYTHONPATH"]
    del os.environ[CONFIG_ENV]
    children.leave_test()
    children.enter_test("t.py::b")
    assert _hooked(children)
    assert CONFIG_ENV in os.environ
    children.leave_test()
    children.collect()
    # What the test left is what the run gives back: it removed both for good.
    assert "PYTHONPATH" not in os.environ
    assert CONFIG_ENV not in os.environ


def test_a_variable_a_test_changed_for_good_is_left_as_the_test_set_it(
    children: ChildTracing,
) -> None:
    children.enter_test("t.py::a")
    os.environ["PYTHONPATH"] = "/theirs"
    os.environ[TEST_ENV] = "their own"
    children.leave_test()
    assert os.environ[TEST_ENV] == "their own"
    children.enter_test("t.py::b")
    assert os.environ["PYTHONPATH"].split(os.pathsep) == [str(children.workdir), "/theirs"]
    children.leave_test()
    children.collect()
    assert os.environ["PYTHONPATH"] == "/theirs"


def test_a_test_that_puts_the_same_values_back_keeps_the_hook(children: ChildTracing) -> None:
    # As after ``os.environ.clear(); os.environ.update(saved)``: equal values, new objects.
    children.enter_test("t.py::a")
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(saved)
    children.leave_test()
    assert TEST_ENV not in os.environ
    children.enter_test("t.py::b")
    assert os.environ["PYTHONPATH"].split(os.pathsep) == [str(children.workdir), "/mine"]
    children.leave_test()
    children.collect()
    assert os.environ["PYTHONPATH"] == "/mine"
    assert CONFIG_ENV not in os.environ
