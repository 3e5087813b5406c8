"""``signaltrace fix`` is the most conservative part of the product: verdicts from the whole
project whatever folder it is given, nothing removed that a skipped file or an unresolved send
might keep alive, never a write outside the tree or through a symlink, a diff that applies, and
all files written or none (issue 22, items 2, 4, 6 and 8)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fix_samples import RECEIVERS, SIGNALS

from pytest_signaltrace.cli import ExitCode, main
from pytest_signaltrace.fix import apply

if TYPE_CHECKING:
    from conftest import WriteTree

#: Another folder of the project sends order_refunded.
BILLING = """\
from shop.signals import order_refunded


def refund():
    order_refunded.send(sender=None)
"""


def _project(tree: WriteTree, **extra: str | bytes) -> Path:
    return tree(
        {
            "pytest.ini": "[pytest]\n",
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/receivers.py": RECEIVERS,
            "billing/__init__.py": "",
            "billing/refunds.py": BILLING,
            **extra,
        }
    )


def _fix(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["fix", "--no-cache", *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("configured", [True, False])
def test_a_subfolder_is_judged_by_the_whole_projects_scan(
    tree: WriteTree,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    configured: bool,
) -> None:
    root = _project(tree)
    if not configured:  # no configuration: the project is the folder fix runs in
        (root / "pytest.ini").unlink()
    monkeypatch.chdir(root)
    status, out, err = _fix(capsys, "shop", "--dead")
    assert status == ExitCode.OK, err
    assert "-def on_audited" in out
    assert "-def on_refunded" not in out  # sent from billing/, outside the folder given
    if not configured:
        return
    # From anywhere else, the folder's project is found from the folder upwards.
    monkeypatch.chdir(root.parent)
    assert _fix(capsys, str(root / "shop"), "--dead")[1] == out


def test_the_folder_given_only_limits_what_is_rewritten(
    tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(
        tree,
        **{
            "shop/handlers.py": "def audit(sender, **kwargs):\n    pass\n",
            "billing/apps.py": "from shop import handlers\nfrom shop.signals import "
            "order_audited\n\norder_audited.connect(handlers.audit)\n",
        },
    )
    monkeypatch.chdir(root)
    status, _, err = _fix(capsys, "shop", "--dead", "--write")
    assert status == ExitCode.OK, err
    assert "on_audited" not in (root / "shop" / "receivers.py").read_text()
    # The connect in billing/ stays (outside the folder), so the function it names stays.
    assert "order_audited.connect" in (root / "billing" / "apps.py").read_text()
    assert (root / "shop" / "handlers.py").read_text() == "def audit(sender, **kwargs):\n    pass\n"


@pytest.mark.parametrize(
    "skipped",
    [
        pytest.param(b"def f(:\n    order_audited.send(sender=None)\n", id="unparsable"),
        pytest.param(
            b"from shop.signals import order_audited\norder_audited.send(sender=None)\n"
            + b"# padding\n" * 250_000,
            id="too-large",
        ),
        pytest.param(
            b"#!/usr/bin/env python3\nfrom shop.signals import order_audited\n"
            b"order_audited.send(sender=None)\n",
            id="script-without-py",
        ),
    ],
)
def test_a_signal_a_skipped_file_names_is_never_called_dead(
    tree: WriteTree,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    skipped: bytes,
) -> None:
    name = "bin/audit" if skipped.startswith(b"#!") else "billing/audit.py"
    root = _project(tree, **{name: skipped})
    monkeypatch.chdir(root)
    status, out, err = _fix(capsys, ".", "--dead")
    assert status == ExitCode.OK, err
    assert out == ""
    assert "nothing dead" in err


def test_an_unresolved_send_keeps_a_possibly_dead_receiver(
    tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(
        tree,
        **{
            "billing/relay.py": "from shop import signals\n\n\ndef relay(kind):\n"
            "    getattr(signals, kind).send(sender=None)\n\n\n"
            "def forward(signal):\n    signal.send(sender=None)\n"
        },
    )
    monkeypatch.chdir(root)
    status, _, err = _fix(capsys, ".", "--dead", "--write")
    assert status == ExitCode.OK, err
    assert (root / "shop" / "receivers.py").read_text() == RECEIVERS


def test_symlinks_out_of_the_tree_are_never_written_through(
    tree: WriteTree,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    root = _project(tree)
    outside = tmp_path / "outside"
    (outside / "pkg").mkdir(parents=True)
    (outside / "pkg" / "__init__.py").write_text("")
    (outside / "evil.py").write_text(RECEIVERS)
    (outside / "pkg" / "more.py").write_text(RECEIVERS)
    os.symlink(outside / "evil.py", root / "shop" / "linked.py")
    os.symlink(outside / "pkg", root / "shop" / "linked_pkg")
    monkeypatch.chdir(root)
    status, _, err = _fix(capsys, ".", "--dead", "--write")
    assert status == ExitCode.OK, err
    # In the tree: its dead registration goes.
    assert "@receiver(order_audited)" not in (root / "shop" / "receivers.py").read_text()
    assert (outside / "evil.py").read_text() == RECEIVERS
    assert (outside / "pkg" / "more.py").read_text() == RECEIVERS
    assert (root / "shop" / "linked.py").is_symlink()


def test_the_diff_applies_with_git_and_gives_what_write_writes(
    tree: WriteTree,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = _project(tree, **{"shop/receivers.py": RECEIVERS.rstrip("\n")})  # no final newline
    monkeypatch.chdir(root)
    status, diff, _ = _fix(capsys, ".", "--dead")
    assert status == ExitCode.OK
    assert "\\ No newline at end of file" in diff
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    subprocess.run(["git", "apply", "-"], input=diff, text=True, cwd=copy, check=True)
    assert _fix(capsys, ".", "--dead", "--write")[0] == ExitCode.OK
    assert (copy / "shop" / "receivers.py").read_bytes() == (
        root / "shop" / "receivers.py"
    ).read_bytes()


def test_a_fix_that_would_not_parse_writes_nothing(
    tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_signaltrace.fix import transform

    root = _project(tree)
    real = transform.fix_source

    def broken(source: bytes, *args: object, **kwargs: object) -> transform.FixedSource:
        fixed = real(source, *args, **kwargs)  # type: ignore[arg-type]
        fixed.source += b"def (:\n"
        return fixed

    monkeypatch.setattr(transform, "fix_source", broken)
    monkeypatch.chdir(root)
    status, _, err = _fix(capsys, ".", "--dead", "--write")
    assert status == ExitCode.USAGE
    assert "would not parse" in err
    assert "nothing written" in err
    assert (root / "shop" / "receivers.py").read_text() == RECEIVERS


def test_a_written_file_that_no_longer_parses_puts_every_file_back(
    tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(
        tree,
        **{
            "shop/apps.py": "from shop.signals import order_audited\n\n\ndef h(sender, **kw):"
            "\n    pass\n\n\norder_audited.connect(h)\n"
        },
    )
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    real_write = apply.write_bytes
    damaged: list[Path] = []

    def damaging(destination: str | Path, data: bytes) -> None:
        if Path(destination).name == "receivers.py" and not damaged:
            damaged.append(Path(destination))
            data += b"def (:\n"  # the disk does not hold what was meant
        real_write(destination, data)

    monkeypatch.setattr(apply, "write_bytes", damaging)
    monkeypatch.chdir(root)
    status, _, err = _fix(capsys, ".", "--dead", "--write")
    assert status == ExitCode.USAGE
    assert "every file put back" in err
    assert damaged
    assert {p: p.read_bytes() for p in root.rglob("*.py")} == before
    for source in before.values():
        ast.parse(source)
