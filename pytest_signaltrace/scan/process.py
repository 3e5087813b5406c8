"""The scan's child process, seen from the run: started early, read at the end, never left behind.

The child is ``python -I`` (no ``PYTHON*`` variable, no user site, no current folder on
``sys.path``) with the folder this package was imported from first on its path, so it runs this
very code and none of the project's; its environment keeps only what a process needs to run
(no ``DJANGO_SETTINGS_MODULE``, no coverage or signal-trace hooks for subprocesses). It runs in
a session of its own: a Ctrl-C at the terminal stops the tests, not the scan the report still
needs. It is killed (with its worker processes) and waited for whenever the run gives up on it:
a timeout, an interrupted wait, a run that ends without a report; and at interpreter exit.
"""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest_signaltrace
from pytest_signaltrace.scan.handover import ScanFailed, ScanRequest, read_result

if TYPE_CHECKING:
    from pytest_signaltrace.model import StaticMap

#: The variables the child keeps from the run's environment.
_KEPT_VARIABLES = ("PATH", "HOME", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "LANG", "LC_ALL")

#: ``python -I -c BOOT PACKAGE_PARENT REQUEST RESULT``: this package's code, whatever is
#: installed (a work tree on ``PYTHONPATH``, which ``-I`` ignores, is found so too).
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from pytest_signaltrace.scan.handover import main; sys.exit(main(sys.argv[2:]))"
)


def child_command(request_path: Path, result_path: Path) -> list[str]:
    """The command line of the scan process."""
    package_parent = str(Path(pytest_signaltrace.__file__).resolve().parent.parent)
    return [
        sys.executable, "-I", "-c", _BOOT, package_parent, str(request_path), str(result_path)
    ]  # fmt: skip


#: Builds the child's command line from its request and result files.
Command = Callable[[Path, Path], list[str]]


def child_environment() -> dict[str, str]:
    """The child's environment: only what running a process needs."""
    return {name: value for name in _KEPT_VARIABLES if (value := os.environ.get(name))}


class ScanProcess:
    """One scan in a child process: :meth:`start`, then :meth:`result` (or :meth:`close`)."""

    def __init__(self, request: ScanRequest, command: Command = child_command) -> None:
        self.request = request
        self._command = command
        self._folder: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize[..., ScanProcess] | None = None

    def start(self) -> None:
        """Start the child (returns at once); raises :class:`OSError` if it cannot start."""
        if not sys.executable:  # an embedded interpreter: no Python to start
            raise OSError("no Python executable to run the scan process with")
        folder = Path(tempfile.mkdtemp(prefix="signaltrace-scan-"))
        request_path = folder / "request.pickle"
        try:
            request_path.write_bytes(pickle.dumps(self.request, pickle.HIGHEST_PROTOCOL))
            with (folder / "stderr").open("wb") as stderr:
                process = subprocess.Popen(
                    self._command(request_path, folder / "result.pickle"),
                    cwd=self.request.rootdir,
                    env=child_environment(),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    start_new_session=os.name == "posix",
                )
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._folder, self._process = folder, process
        self._finalizer = weakref.finalize(self, _stop, process, folder)

    def result(self, timeout: float) -> StaticMap:
        """The child's map, waiting at most ``timeout`` seconds; raises what its scan raised,
        or :class:`ScanFailed`. The child is gone when this returns or raises."""
        assert self._process is not None, "not started"
        assert self._folder is not None
        try:
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                raise ScanFailed(f"the static scan took more than {timeout:g} s") from None
            result_path = self._folder / "result.pickle"
            if not result_path.exists():
                raise ScanFailed(self._crash_text(self._process.returncode))
            return read_result(result_path)
        finally:
            self.close()

    def close(self) -> None:
        """Kill the child if it still runs, wait for it, and remove its folder."""
        if self._finalizer is not None:
            self._finalizer()

    def _crash_text(self, returncode: int) -> str:
        assert self._folder is not None
        how = f"was killed by signal {-returncode}" if returncode < 0 else f"exited {returncode}"
        try:
            lines = (self._folder / "stderr").read_text(errors="replace").strip().splitlines()
        except OSError:
            lines = []
        return f"the static scan process {how}" + (f": {lines[-1]}" if lines else "")


def _stop(process: subprocess.Popen[bytes], folder: Path) -> None:
    """Kill ``process`` and its group (its worker processes) unless it ended; reap it."""
    if process.poll() is None:
        try:
            if os.name == "posix":
                os.killpg(process.pid, signal.SIGKILL)
            else:  # pragma: no cover - no process groups
                process.kill()
        except OSError:
            pass
        process.wait()
    shutil.rmtree(folder, ignore_errors=True)
