"""What the trace adds to Django's test client's connect/disconnect calls, per request.

Run: ``python benchmarks/bench_connect.py [--requests N] [--repeat R] [--mode MODE]``.

Every request of Django's test client makes 8 patched calls: it disconnects and reconnects
``close_old_connections`` around ``request_started`` and ``request_finished``, connects its
template receiver (a fresh ``functools.partial``) and its exception receiver (a bound method of
the client) with a fresh ``dispatch_uid`` (``"...-%s" % id(request)``), and disconnects both by
uid. This replays those 8 calls from a function compiled under a ``site-packages`` filename (as
``django/test/client.py`` is: a connect site outside the project).

``--mode both`` (the default) times ``--requests`` requests untraced and traced, ``--repeat``
rounds interleaved (A B A B), thread CPU time, and prints the best and median added microseconds
per request. ``--mode plain`` / ``--mode traced`` run the requests once and nothing else: run
each under callgrind (``valgrind --tool=callgrind python benchmarks/bench_connect.py --mode
traced --requests 2000``) and again with ``--requests 0``; the difference divided by the
requests is the instructions per request, independent of the machine's load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CLIENT_FILE = os.path.join(os.sep, "opt", "lib", "site-packages", "benchlib", "client.py")

#: The test client's 8 calls per request (django/test/client.py, Client.request and
#: ClientHandler.__call__), compiled under CLIENT_FILE.
_CLIENT_SOURCE = """
from functools import partial

def store_rendered_templates(store, signal, sender, template, context, **kwargs):
    store.setdefault("templates", []).append(template)

class Client:
    def store_exc_info(self, **kwargs):
        self.exc_info = kwargs

def requests(count, client, close_old_connections, request_started, request_finished,
             template_rendered, got_request_exception):
    for _ in range(count):
        request = object()
        request_started.disconnect(close_old_connections)
        request_started.connect(close_old_connections)
        data = {}
        on_template_render = partial(store_rendered_templates, data)
        signal_uid = "template-render-%s" % id(request)
        template_rendered.connect(on_template_render, dispatch_uid=signal_uid)
        exception_uid = "request-exception-%s" % id(request)
        got_request_exception.connect(client.store_exc_info, dispatch_uid=exception_uid)
        template_rendered.disconnect(dispatch_uid=signal_uid)
        got_request_exception.disconnect(dispatch_uid=exception_uid)
        request_finished.disconnect(close_old_connections)
        request_finished.connect(close_old_connections)
"""


def _setup() -> Callable[[int], None]:
    """Configure Django and return ``run(count)``: ``count`` requests' connect calls."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            INSTALLED_APPS=[],
        )
        django.setup()
    from django.core.signals import got_request_exception, request_finished, request_started
    from django.db import close_old_connections
    from django.test.signals import template_rendered

    namespace: dict[str, Any] = {}
    exec(compile(_CLIENT_SOURCE, CLIENT_FILE, "exec"), namespace)
    client = namespace["Client"]()
    requests = namespace["requests"]
    signals = (request_started, request_finished, template_rendered, got_request_exception)

    def run(count: int) -> None:
        requests(count, client, close_old_connections, *signals)

    return run


def _cpu(run: Callable[[int], None], count: int) -> float:
    start = time.thread_time()
    run(count)
    return time.thread_time() - start


def main(argv: list[str] | None = None) -> None:
    """Time (or just run, for callgrind) the test client's connect calls, plain and traced."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--mode", choices=("both", "plain", "traced"), default="both")
    args = parser.parse_args(argv)
    # Imported before Django: the patches are in place when its dispatcher is imported, as
    # under the plugin.
    from pytest_signaltrace.trace import Recorder, install

    if args.mode == "traced":
        install(Recorder(), [os.path.dirname(os.path.abspath(__file__))])
    run = _setup()
    if args.mode != "both":
        run(args.requests)
        return
    run(50)  # warm up both paths once
    added: list[float] = []
    plain: list[float] = []
    for _ in range(args.repeat):
        untraced = _cpu(run, args.requests)
        installation = install(Recorder(), [os.path.dirname(os.path.abspath(__file__))])
        run(5)  # the first sight of each site: the slow path, not what is measured
        traced = _cpu(run, args.requests)
        installation.uninstall()
        plain.append(untraced)
        added.append(traced - untraced)
    per = 1e6 / args.requests
    print(f"{args.requests} requests x 8 connect/disconnect calls, {args.repeat} rounds")
    print(f"untraced: {min(plain) * per:8.2f} us/request (best)")
    print(
        f"added:    {min(added) * per:8.2f} us/request (best), "
        f"{statistics.median(added) * per:.2f} (median)"
    )


if __name__ == "__main__":
    main()
