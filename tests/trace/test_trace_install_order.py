"""Installation before Django and Celery are imported, and without them: in fresh interpreters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_python(source: str, cwd: Path) -> Any:
    """Run ``source`` in a fresh interpreter; return the JSON it prints on its last line."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(cwd)]))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_the_package_imports_neither_django_nor_celery(tmp_path: Path) -> None:
    loaded = run_python(
        """
        import json, sys
        import pytest_signaltrace.trace
        from pytest_signaltrace.trace import Recorder, install
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("django", "celery"))))
        """,
        tmp_path,
    )

    assert loaded == []


def test_it_does_nothing_when_django_and_celery_are_absent(tmp_path: Path) -> None:
    result = run_python(
        """
        import json, sys
        sys.modules["django"] = None  # import django -> ImportError
        sys.modules["celery"] = None
        from pytest_signaltrace.trace import Recorder, install
        recorder = Recorder()
        installation = install(recorder, ["."])
        try:
            import django
        except ImportError:
            pass
        installation.uninstall()
        print(json.dumps({
            "patched": installation.patched,
            "faults": installation.faults.count,
            "empty": recorder.snapshot().is_empty(),
        }))
        """,
        tmp_path,
    )

    assert result == {"patched": [], "faults": 0, "empty": True}


def test_patches_installed_before_the_imports_see_everything(tmp_path: Path) -> None:
    pytest.importorskip("celery")
    (tmp_path / "shop_signals.py").write_text(
        "from django.dispatch import Signal\n\norder_placed = Signal()\n", encoding="utf-8"
    )
    result = run_python(
        """
        import json, sys
        from pytest_signaltrace.trace import Recorder, install

        recorder = Recorder()
        installation = install(recorder, ["."])

        from django.conf import settings
        settings.configure(INSTALLED_APPS=["django.contrib.contenttypes"])
        import django
        django.setup()
        from django.test import override_settings
        import shop_signals

        def on_placed(sender, **kwargs):
            pass

        shop_signals.order_placed.connect(on_placed)
        shop_signals.order_placed.send(sender=None)
        with override_settings(FLAG=True):
            pass

        import celery
        from celery import signals
        import celery.app.trace as celery_trace

        app = celery.Celery("t", broker="memory://", backend="cache+memory://")
        app.conf.task_always_eager = True

        @app.task
        def add(x, y):
            return x + y

        def on_prerun(sender=None, **kwargs):
            pass

        signals.task_prerun.connect(on_prerun)
        assert add.delay(1, 2).get() == 3
        bound_through_patch = type(celery_trace.send_prerun).__name__
        installation.uninstall()
        trace = recorder.snapshot()
        print(json.dumps({
            "bound": bound_through_patch,
            "faults": installation.faults.count,
            "sends": [
                [k.signal.signal, k.signal.line is not None, n] for k, n in trace.sends.items()
            ],
            "calls": [
                [k.signal.signal, k.handler.handler, n] for k, n in trace.receiver_calls.items()
            ],
        }))
        """,
        tmp_path,
    )

    assert result["faults"] == 0
    # Celery's per-app signals (self.on_configure = Signal() in Celery.__init__) have no
    # module-level definition: no id, but a creation site.
    assert all(line for name, line, _ in result["sends"] if name is None)
    assert result["bound"] == "method"  # bound to the patched function
    assert ["shop_signals.order_placed", True, 1] in result["sends"]
    changed = [
        n for name, line, n in result["sends"] if name == "django.core.signals.setting_changed"
    ]
    assert sorted(changed) == [1, 1]  # enable() and disable(): two send sites
    assert ["celery.signals.task_prerun", True, 1] in result["sends"]
    assert ["shop_signals.order_placed", "__main__.on_placed", 1] in result["calls"]
    assert ["celery.signals.task_prerun", "__main__.on_prerun", 1] in result["calls"]


def test_installing_imports_no_wrapt_and_uninstalling_leaves_no_import_hook(tmp_path: Path) -> None:
    # wrapt (its whole package: asyncio, importlib.metadata, inspect) is not imported, not even
    # when a class with a coroutine send is patched; the hooks of modules never imported are
    # removed.
    result = run_python(
        """
        import json, sys
        from pytest_signaltrace.trace import Recorder, importhooks, install
        installation = install(Recorder(), ["."])
        waiting = sorted(importhooks.waiting())
        wrapt_at_install = "wrapt" in sys.modules
        import django.dispatch
        patched = [name for name in installation.patched if name.startswith("django.")]
        wrapt_after_django = "wrapt" in sys.modules
        installation.uninstall()
        print(json.dumps({
            "wrapt_at_install": wrapt_at_install,
            "django_waited": "django.dispatch.dispatcher" in waiting,
            "asend_patched": "django.dispatch.dispatcher.Signal.asend" in patched,
            "wrapt_after_django": wrapt_after_django,
            "waiting_after": importhooks.waiting(),
            "finders_after": [
                type(f).__name__ for f in sys.meta_path if "importhooks" in type(f).__module__
            ],
        }))
        """,
        tmp_path,
    )

    assert result == {
        "wrapt_at_install": False,
        "django_waited": True,
        "asend_patched": True,
        "wrapt_after_django": False,
        "waiting_after": {},
        "finders_after": [],
    }
