"""The run's static scan of the source folders: on demand at the end, or in a background
thread while the xdist workers run the tests."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.settings import Settings

if TYPE_CHECKING:
    from pytest_signaltrace.model import StaticMap


def scan_sources(
    sources: Sequence[Path],
    rootdir: Path,
    *,
    cache_dir: Path | None,
    package_roots: Sequence[Path],
    skip_folders: Sequence[Path] = (),
    jobs: int | None = None,
) -> StaticMap:
    """The static map of the source folders, with paths relative to the rootdir;
    ``skip_folders`` (the run's temporary folders) are not scanned."""
    from pytest_signaltrace.scan import scan

    return scan(
        list(sources),
        relative_to=rootdir,
        cache_dir=cache_dir,
        package_roots=package_roots,
        skip_folders=skip_folders,
        jobs=jobs,
    )


class StaticScan:
    """The run's static scan: done on demand, or started early in a background thread.

    The xdist controller runs no tests: while its workers do, it is idle, so it scans then and
    the report is ready as soon as the last worker finishes. (In a process that runs tests, a
    thread would only compete with them for the GIL, so there the scan waits for the end.)
    """

    def __init__(
        self,
        settings: Settings,
        rootdir: Path,
        cache_dir: Path | None,
        skip_folders: Sequence[Path] = (),
    ) -> None:
        self._settings = settings
        self._rootdir = rootdir
        self._cache_dir = cache_dir
        self._skip_folders = skip_folders
        self._thread: threading.Thread | None = None
        self._result: StaticMap | None = None
        self._error: BaseException | None = None

    def start_in_background(self) -> None:
        """Begin scanning in a daemon thread (no worker processes: forking beside the
        controller's threads is unsafe)."""
        self._thread = threading.Thread(
            target=self._run, kwargs={"jobs": 1}, name="signaltrace-scan", daemon=True
        )
        self._thread.start()

    def _run(self, jobs: int | None = None) -> None:
        try:
            self._result = scan_sources(
                self._settings.sources,
                self._rootdir,
                cache_dir=self._cache_dir,
                package_roots=self._settings.package_roots,
                skip_folders=self._skip_folders,
                jobs=jobs,
            )
        except BaseException as exc:  # handed to result(), which raises it in the caller
            self._error = exc

    def result(self) -> StaticMap:
        """The static map: waits for the background scan, or scans now."""
        if self._thread is not None:
            self._thread.join()
        elif self._result is None and self._error is None:
            self._run()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def static_scan_of(config: pytest.Config, settings: Settings, rootdir: Path) -> StaticScan:
    """The run's static scan, with pytest's cache folder and without the run's ``--basetemp``
    (pytester, and some projects, put it inside the rootdir: tests write and delete there while
    the scan walks the tree, and nothing there is the project's source)."""
    basetemp = getattr(config.option, "basetemp", None)
    skip = [config.invocation_params.dir / basetemp] if basetemp else []
    return StaticScan(settings, rootdir, cache_dir_of(config), skip)


def cache_dir_of(config: pytest.Config) -> Path | None:
    """The scan's cache folder in pytest's cache (``None`` with ``-p no:cacheprovider``)."""
    cache = getattr(config, "cache", None)
    if cache is None:
        return None
    try:
        return Path(cache.mkdir("signaltrace"))
    except OSError:
        return None
