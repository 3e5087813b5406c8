"""``signaltrace fix`` removes a dead registration alone: stacked ``@receiver`` decorators and
``@receiver([a, b])`` lists lose only their dead signal; a function goes only when every
registration of it goes and nothing else names it; a definition anything names stays; relative
imports work (issue 22, items 1, 5 and 7)."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.cli import ExitCode, main

if TYPE_CHECKING:
    from conftest import WriteTree

SIGNALS = """\
from django.dispatch import Signal

dead = Signal()
live = Signal()
"""

SENDS_LIVE = """\
from shop.signals import live


def place():
    live.send(sender=None)
"""


def _fix(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    status = main(["fix", str(root), "--no-cache", *args])
    out, err = capsys.readouterr()
    return status, out, err


def _project(tree: WriteTree, **files: str) -> Path:
    base = {
        "shop/__init__.py": "",
        "shop/signals.py": SIGNALS,
        "shop/place.py": SENDS_LIVE,
    }
    return tree({**base, **{f"shop/{name}.py": text for name, text in files.items()}})


def _receivers(root: Path) -> str:
    return (root / "shop" / "receivers.py").read_text()


def test_stacked_receivers_lose_only_the_dead_registration_and_keep_the_comment_above(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(
        tree,
        receivers="""\
            from django.dispatch import receiver

            from shop.signals import dead, live


            # Handles both: this comment stays.
            @receiver(dead)
            @receiver(live)
            def on_both(sender, **kwargs):
                pass


            @receiver(live)
            # Between the decorators: this one stays too.
            @receiver(dead)
            def on_both_reversed(sender, **kwargs):
                pass
            """,
    )
    status, _, err = _fix(capsys, root, "--dead", "--write")
    assert status == ExitCode.OK, err
    assert _receivers(root) == textwrap.dedent("""\
        from django.dispatch import receiver

        from shop.signals import live


        # Handles both: this comment stays.
        @receiver(live)
        def on_both(sender, **kwargs):
            pass


        @receiver(live)
        # Between the decorators: this one stays too.
        def on_both_reversed(sender, **kwargs):
            pass
        """)


def test_a_list_loses_only_its_dead_signals_whatever_the_names_look_like(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(
        tree,
        receivers="""\
            from django.dispatch import receiver

            from shop import signals
            from shop.signals import dead as gone, live


            @receiver([signals.dead, live])
            def listed(sender, **kwargs):
                pass


            @receiver((gone, signals.live), dispatch_uid="tupled")
            def tupled(sender, **kwargs):
                pass


            @receiver(
                [
                    live,
                    gone,
                ]
            )
            def multiline(sender, **kwargs):
                pass
            """,
    )
    status, _, err = _fix(capsys, root, "--dead", "--write")
    assert status == ExitCode.OK, err
    assert _receivers(root) == textwrap.dedent("""\
        from django.dispatch import receiver

        from shop import signals
        from shop.signals import live


        @receiver([live])
        def listed(sender, **kwargs):
            pass


        @receiver((signals.live,), dispatch_uid="tupled")
        def tupled(sender, **kwargs):
            pass


        @receiver(
            [
                live,
            ]
        )
        def multiline(sender, **kwargs):
            pass
        """)


@pytest.mark.parametrize(
    ("other_files", "why"),
    [
        ({"tasks": "from shop.receivers import handler\n"}, "imported elsewhere"),
        ({"tasks": "from shop import receivers\n\nreceivers.handler(None)\n"}, "called"),
        ({"urls": "HOOKS = ['shop.receivers.handler']\n"}, "named in a string"),
    ],
)
def test_a_function_something_else_names_keeps_and_loses_only_its_decorator(
    tree: WriteTree,
    capsys: pytest.CaptureFixture[str],
    other_files: dict[str, str],
    why: str,
) -> None:
    root = _project(
        tree,
        receivers="""\
            from django.dispatch import receiver

            from shop.signals import dead


            @receiver(dead)
            def handler(sender, **kwargs):
                pass
            """,
        **other_files,
    )
    status, _, err = _fix(capsys, root, "--dead", "--write")
    assert status == ExitCode.OK, err
    assert _receivers(root) == "def handler(sender, **kwargs):\n    pass\n", why


def test_a_function_with_another_decorator_keeps_it(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(
        tree,
        receivers="""\
            from celery import shared_task
            from django.dispatch import receiver

            from shop.signals import dead


            @shared_task
            @receiver(dead)
            def handler(sender, **kwargs):
                pass


            @receiver(dead)
            def alone(sender, **kwargs):
                pass
            """,
    )
    status, _, err = _fix(capsys, root, "--dead", "--write")
    assert status == ExitCode.OK, err
    assert _receivers(root) == textwrap.dedent("""\
        from celery import shared_task


        @shared_task
        def handler(sender, **kwargs):
            pass
        """)


def test_a_function_registered_twice_goes_only_when_both_registrations_are_dead(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(
        tree,
        receivers="""\
            from shop.signals import dead, live


            def handler(sender, **kwargs):
                pass


            dead.connect(handler)
            live.connect(handler)
            """,
    )
    status, _, err = _fix(capsys, root, "--dead", "--write")
    assert status == ExitCode.OK, err
    assert _receivers(root) == textwrap.dedent("""\
        from shop.signals import live


        def handler(sender, **kwargs):
            pass


        live.connect(handler)
        """)


def test_unused_signals_that_anything_imports_or_names_stay(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": """\
                from django.dispatch import Signal

                imported = Signal()
                exported = Signal()
                named = Signal()
                unused = Signal()

                __all__ = ["exported"]
                """,
            "shop/api.py": "from shop.signals import imported\n",
            "shop/hooks.py": "import shop.signals\n\nKIND = getattr(shop.signals, 'named')\n",
        }
    )
    status, _, err = _fix(capsys, root, "--unused-signals", "--write")
    assert status == ExitCode.OK, err
    assert (root / "shop" / "signals.py").read_text() == textwrap.dedent("""\
        from django.dispatch import Signal

        imported = Signal()
        exported = Signal()
        named = Signal()

        __all__ = ["exported"]
        """)
    # What imports it still imports it.
    assert (root / "shop" / "api.py").read_text() == "from shop.signals import imported\n"


def test_relative_imports_are_resolved_and_left_unused_ones_removed(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(
        tree,
        receivers="""\
            from django.dispatch import receiver

            from . import signals
            from .signals import dead, live


            @receiver(dead)
            def on_dead(sender, **kwargs):
                pass


            @receiver(live)
            def on_live(sender, **kwargs):
                pass


            @receiver(signals.dead)
            def on_dead_too(sender, **kwargs):
                pass
            """,
    )
    (root / "shop" / "sub").mkdir()
    (root / "shop" / "sub" / "__init__.py").write_text("")
    (root / "shop" / "sub" / "hooks.py").write_text(
        "from ..signals import dead\n\n\ndef hook(sender, **kwargs):\n    pass\n\n\n"
        "dead.connect(hook)\n"
    )
    status, _, err = _fix(capsys, root, "--dead", "--write")
    assert status == ExitCode.OK, err
    assert "cannot fix" not in err
    # libcst never removes ``from . import x`` (no module named): it stays, unused.
    assert _receivers(root) == textwrap.dedent("""\
        from django.dispatch import receiver

        from . import signals
        from .signals import live


        @receiver(live)
        def on_live(sender, **kwargs):
            pass
        """)
    assert (root / "shop" / "sub" / "hooks.py").read_text().strip() == ""
    for path in root.rglob("*.py"):
        ast.parse(path.read_bytes())


def test_a_function_an_entry_point_names_keeps(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(
        tree,
        receivers="""\
            from django.dispatch import receiver

            from shop.signals import dead


            @receiver(dead)
            def handler(sender, **kwargs):
                pass
            """,
    )
    (root / "pyproject.toml").write_text(
        '[project.entry-points."shop.hooks"]\nrefund = "shop.receivers:handler"\n'
    )
    status, _, err = _fix(capsys, root, "--dead", "--write")
    assert status == ExitCode.OK, err
    assert _receivers(root) == "def handler(sender, **kwargs):\n    pass\n"


def test_a_form_fix_does_not_rewrite_is_left_alone_with_what_depends_on_it(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(
        tree,
        receivers="""\
            from django.dispatch import receiver

            from shop.signals import dead


            def handler(sender, **kwargs):
                pass


            if True: dead.connect(handler)


            @receiver(dead)
            def other(sender, **kwargs):
                pass
            """,
    )
    status, _, err = _fix(capsys, root, "--dead", "--write")
    assert status == ExitCode.OK, err
    assert "shop/receivers.py:10: left alone: a form fix does not rewrite" in err
    assert _receivers(root) == textwrap.dedent("""\
        from shop.signals import dead


        def handler(sender, **kwargs):
            pass


        if True: dead.connect(handler)
        """)


def test_receivers_the_configuration_excludes_are_left_alone(
    tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    receivers = """\
        from django.dispatch import receiver

        from shop.signals import dead


        @receiver(dead)
        def legacy_handler(sender, **kwargs):
            pass
        """
    root = _project(tree, receivers=receivers)
    (root / "pytest.ini").write_text("[pytest]\nsignaltrace_exclude = shop.receivers.legacy_*\n")
    monkeypatch.chdir(root)
    status, out, err = _fix(capsys, root, "--dead")
    assert (status, out) == (ExitCode.OK, ""), err
