"""The scan process's command line: no ``site``, this package and the parser found anyway."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pytest_signaltrace.scan.process import child_command, child_environment


def test_the_scan_process_skips_site_and_still_imports_the_package_and_the_parser(
    tmp_path: Path,
) -> None:
    command = child_command(tmp_path / "request.pickle", tmp_path / "result.pickle")
    assert command[1:4] == ["-I", "-S", "-c"]
    probe = (
        "import os, sys; sys.path[0:0] = sys.argv[1].split(os.pathsep); "
        "import libcst, pytest_signaltrace.scan.handover; "
        "print(sys.flags.no_site, 'site' in sys.modules)"
    )
    found = subprocess.run(
        [*command[:3], "-c", probe, command[5]],
        env=child_environment(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.split() == ["1", "False"]
