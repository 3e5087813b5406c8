"""The patched connect/disconnect's cached path: a call site seen before skips the walk to the
caller and the site resolution, and records exactly what the full path records."""

from __future__ import annotations

import functools
import gc
import os
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.dispatch import Signal, receiver

from pytest_signaltrace.trace import Installation, Recorder, install, installation
from pytest_signaltrace.trace.connects import connect_patch
from pytest_signaltrace.trace.model import Trace

HERE = os.path.dirname(os.path.abspath(__file__))
THIRD_PARTY = os.path.join(os.sep, "opt", "lib", "site-packages", "thirdparty", "client.py")


def on_a(sender: object, **kwargs: object) -> None:
    pass


def on_b(sender: object, **kwargs: object) -> None:
    pass


class Listener:
    def on_event(self, sender: object, **kwargs: object) -> None:
        pass


class Sender:
    pass


def _installed(
    recorder: Recorder, *, cached: bool, monkeypatch: pytest.MonkeyPatch
) -> Installation:
    if not cached:
        monkeypatch.setattr(
            installation, "connect_patch", functools.partial(connect_patch, cached=False)
        )
    installed = install(recorder, [HERE])
    monkeypatch.undo()
    return installed


@pytest.fixture
def traced(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[bool], Recorder]]:
    """``traced(cached)``: a recorder with the patches installed (full path only if not
    ``cached``), uninstalled after the test."""
    installed: list[Installation] = []

    def start(cached: bool) -> Recorder:
        for previous in installed:
            previous.uninstall()
        recorder = Recorder()
        installed.append(_installed(recorder, cached=cached, monkeypatch=monkeypatch))
        return recorder

    yield start
    for each in installed:
        each.uninstall()


def _third_party_client() -> Callable[..., None]:
    """Django's test client's 8 calls per request, from a file outside the project."""
    source = (
        "import functools\n"
        "def store(data, sender, **kwargs):\n"
        "    pass\n"
        "def request(started, rendered, failed, close, listener, uid):\n"
        "    started.disconnect(close)\n"
        "    started.connect(close)\n"
        "    rendered.connect(functools.partial(store, {}), dispatch_uid=f'render-{uid}')\n"
        "    failed.connect(listener.on_event, dispatch_uid=f'failed-{uid}')\n"
        "    rendered.disconnect(dispatch_uid=f'render-{uid}')\n"
        "    failed.disconnect(dispatch_uid=f'failed-{uid}')\n"
        "    started.disconnect(close)\n"
        "    started.connect(close)\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, THIRD_PARTY, "exec"), namespace)
    return namespace["request"]  # type: ignore[no-any-return]


def _scenario(recorder: Recorder) -> Trace:
    """Every connect form, each several times from the same lines."""
    started, rendered, failed, sent = Signal(), Signal(), Signal(), Signal()
    request = _third_party_client()
    listener = Listener()
    for uid in range(4):
        request(started, rendered, failed, on_a, listener, uid)
        sent.connect(on_a, sender=Sender)  # a class sender: watched
        sent.connect(on_b, sender=Sender(), dispatch_uid=("mine", uid))  # an instance, a tuple uid
        sent.connect(on_b, dispatch_uid=f"mine-{uid}")  # the project's uid: kept
        sent.connect(listener.on_event, weak=True)
        sent.connect(receiver=on_a, dispatch_uid=7)  # by keyword, an int uid
        sent.disconnect(on_a, sender=Sender)
        sent.disconnect(on_b, dispatch_uid=f"mine-{uid}")
        sent.disconnect(dispatch_uid=7)
        sent.disconnect(receiver=listener.on_event)

        @receiver(sent)  # an internal caller (the decorator): the full path
        def decorated(sender: object, **kwargs: object) -> None:
            pass

    sent.send(sender=Sender)
    return recorder.snapshot()


def test_the_cached_path_records_what_the_full_path_records(
    traced: Callable[[bool], Recorder],
) -> None:
    full = _scenario(traced(False))
    cached = _scenario(traced(True))

    assert cached.connects == full.connects
    assert cached.disconnects == full.disconnects
    assert cached.senders_seen == full.senders_seen
    assert sum(full.connects.values()) == 4 * (4 + 6)
    # the test client's template receiver: one row, its generated uids folded
    assert [n for k, n in full.connects.items() if k.handler and k.handler.handler == "store"] == [
        4
    ]


def test_a_repeated_connect_skips_the_site_resolution(
    traced: Callable[[bool], Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = traced(True)
    sig = Signal()
    resolved: list[object] = []
    finder = _finder_of(sig)
    real_site = finder.site

    def counting_site(frame: Any) -> Any:
        resolved.append(frame)
        return real_site(frame)

    monkeypatch.setattr(finder, "site", counting_site)
    for _ in range(5):
        sig.connect(on_a)  # one call site
        sig.disconnect(on_a)  # another
    assert len(resolved) == 2
    (connect,) = recorder.snapshot().connects.items()
    assert connect[1] == 5
    assert connect[0].site is not None
    assert connect[0].site.path == __file__


def _finder_of(sig: Signal) -> Any:
    """The site finder of the installation whose patch is on ``Signal.connect``."""
    for cell in Signal.connect.__closure__ or ():
        if type(cell.cell_contents).__name__ == "SiteFinder":
            return cell.cell_contents
    raise AssertionError("no SiteFinder in the connect patch")


def test_a_weak_receiver_connected_on_the_cached_path_is_not_kept_alive(
    traced: Callable[[bool], Recorder],
) -> None:
    traced(True)
    sig = Signal()
    refs = []
    for _ in range(3):
        listener = Listener()
        sig.connect(listener.on_event, sender=Sender)
        refs.append(weakref.ref(listener))
        del listener
    gc.collect()
    assert [ref() for ref in refs] == [None, None, None]
    assert not sig.has_listeners(Sender)
