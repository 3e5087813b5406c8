"""What the trace adds to one kind of generated test, in instructions, outside pytest.

``python benchmarks/bench_kinds.py [--kind K ...] [--iterations N] [--keep DIR] [--pure]``

For each kind of test of ``gen_suite.py`` (``request``: a test-client request; ``load``: an ORM
load of 300 rows; ``save``: model saves with receivers; ``custom``: 20 custom sends with 0 to 5
receivers; ``settings``: ``override_settings`` around a request; ``connects``: the 8 connects
and disconnects of a test-client request, alone) it runs, under valgrind's
callgrind, one process per cell of (plain, traced) x (0, ``N`` iterations) and prints the
instructions per iteration, plain and added: ``(traced_N - traced_0) - (plain_N - plain_0)``,
over ``N``. What does not depend on ``N`` (the interpreter, Django's set-up, installing the
trace, the rows' creation) cancels out. Each process first runs two iterations unmeasured, so
that the callers, signals and receivers are seen before (as in a suite, where each kind runs
many times). Every iteration is a test's body in a transaction rolled back afterwards, with the
recorder's current test set, as under pytest-django and the plugin.

``--keep DIR`` keeps the callgrind files (``DIR/KIND-plain-N/``, ``DIR/KIND-traced-N/``) for
``cgdiff.py`` (e.g. ``cgdiff.py DIR/load-plain-20 DIR/load-traced-20``). ``--pure`` traces with
the pure-Python send patch (``SIGNALTRACE_PURE_PYTHON=1``). ``--run KIND N traced|plain`` is one
process's body (what the cells run). Only the standard library, Django and this checkout.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

KINDS = ("request", "load", "save", "custom", "settings", "connects")
WARM_UP = 2
_TOTAL = re.compile(r"^(?:summary|totals):\s*(\d+)", re.MULTILINE)


def _bodies() -> dict[str, Callable[[int], None]]:
    """The generated tests' bodies, by kind (Django set up)."""
    from django.test import Client, override_settings
    from shop import signals  # type: ignore[import-not-found]
    from shop.models import Customer, Item, Order  # type: ignore[import-not-found]

    def request(n: int) -> None:
        response = Client().get("/orders/")
        assert response.status_code == 200
        assert len(response.templates) > 1

    def load(n: int) -> None:
        assert len(list(Item.objects.all())) == 300

    def save(n: int) -> None:
        customer = Customer.objects.create(name=f"c{n}")
        order = Order.objects.create(customer=customer, total=n)
        Item.objects.create(order=order, name="x", price=-1)
        order.note = "paid"
        order.save()
        assert Item.objects.filter(order=order).get().price == 0

    def custom(n: int) -> None:
        sig = signals.CUSTOM[n % 6]
        for _ in range(20):
            responses = sig.send(sender=None)
        assert len(responses) == n % 6

    def settings(n: int) -> None:
        with override_settings(BENCH_FLAG=n):
            response = Client().get(f"/orders/{n % 30 + 1}/")
        assert response.status_code == 200

    def connects(n: int) -> None:
        # what a test-client request connects and disconnects, without the request
        from functools import partial

        from django.core.signals import got_request_exception, request_finished, request_started
        from django.db import close_old_connections
        from django.test.client import store_rendered_templates
        from django.test.signals import template_rendered

        client, data = Client(), {}
        uid, exception_uid = f"template-render-{n}", f"request-exception-{n}"
        for sig in (request_started, request_finished):
            sig.disconnect(close_old_connections)
            sig.connect(close_old_connections)
        template_rendered.connect(partial(store_rendered_templates, data), dispatch_uid=uid)
        got_request_exception.connect(client.store_exc_info, dispatch_uid=exception_uid)
        template_rendered.disconnect(dispatch_uid=uid)
        got_request_exception.disconnect(dispatch_uid=exception_uid)

    return {
        "request": request, "load": load, "save": save, "custom": custom, "settings": settings,
        "connects": connects,
    }  # fmt: skip


def run_one(kind: str, iterations: int, traced: bool) -> None:
    """One process: set the generated project up, trace it or not, run ``WARM_UP`` and then
    ``iterations`` iterations of ``kind``."""
    from gen_suite import write_suite  # type: ignore[import-not-found]

    root = Path(tempfile.mkdtemp(prefix="bench-kinds-"))
    write_suite(root, 0)
    sys.path.insert(0, str(root))
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchsite.settings"
    recorder: Any = None
    if traced:
        from pytest_signaltrace.trace import Recorder, install

        recorder = Recorder()
        # this file stands for the suite's test files: a project file
        install(recorder, [str(root), str(HERE)])
    import django
    from django.db import connection, transaction
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()
    from shop.models import Customer, Item, Order

    with connection.schema_editor() as editor:  # the tables the bodies use, without migrations
        for model in (Customer, Order, Item):
            editor.create_model(model)

    customer = Customer.objects.create(name="Ada")
    orders = Order.objects.bulk_create(Order(customer=customer, total=i) for i in range(30))
    Item.objects.bulk_create(
        Item(order=orders[i % 30], name=f"item {i}", price=i) for i in range(300)
    )
    body = _bodies()[kind]
    for n in range(WARM_UP + iterations):
        if recorder is not None:
            recorder.current_test = f"tests/test_gen.py::test_{kind}_{n}"
        with transaction.atomic():
            body(n)
            transaction.set_rollback(True)
        if recorder is not None:
            recorder.current_test = None


def _callgrind(kind: str, iterations: int, traced: bool, keep: Path | None, pure: bool) -> int:
    """Instructions of one process of ``run_one`` under callgrind (the files kept in ``keep``)."""
    name = f"{kind}-{'traced' if traced else 'plain'}-{iterations}"
    with tempfile.TemporaryDirectory(prefix="bench-kinds-cg-") as scratch:
        folder = keep / name if keep is not None else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("cg.*"):
            old.unlink()
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        if pure:
            env["SIGNALTRACE_PURE_PYTHON"] = "1"
        command = [
            "valgrind", "--tool=callgrind", "--dump-line=no", "--dump-instr=no",
            f"--callgrind-out-file={folder}/cg.%p", sys.executable, __file__,
            "--run", kind, str(iterations), "traced" if traced else "plain",
        ]  # fmt: skip
        subprocess.run(command, check=True, env=env, capture_output=True)
        total = 0
        for dump in folder.glob("cg.*"):
            found = _TOTAL.search(dump.read_text(encoding="utf-8", errors="replace"))
            total += int(found.group(1)) if found else 0
        return total


def main(argv: list[str] | None = None) -> int:
    """Command line: measure the kinds, or (``--run``) be one measured process."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", action="append", choices=KINDS)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--pure", action="store_true")
    parser.add_argument("--run", nargs=3, metavar=("KIND", "N", "MODE"))
    args = parser.parse_args(argv)
    if args.run:
        kind, iterations, mode = args.run
        run_one(kind, int(iterations), mode == "traced")
        return 0
    n = args.iterations
    print(f"{'kind':10} {'plain/iter':>12} {'added/iter':>12} {'ratio':>7}   raw (p0 pN t0 tN)")
    for kind in args.kind or KINDS:
        p0, pn, t0, tn = (
            _callgrind(kind, count, traced, args.keep, args.pure)
            for traced in (False, True)
            for count in (0, n)
        )
        plain = (pn - p0) / n
        added = ((tn - t0) - (pn - p0)) / n
        print(
            f"{kind:10} {plain:12,.0f} {added:+12,.0f} {(plain + added) / plain:7.4f}x"
            f"   {p0} {pn} {t0} {tn}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
