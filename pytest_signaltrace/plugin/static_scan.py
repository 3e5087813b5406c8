"""The run's static scan, in a child process started early: it scans on another core while the
tests run, and the test process never imports the parser (see
:mod:`pytest_signaltrace.scan.handover`). When the scan cache can answer (a rerun), no child
starts: the map is computed here at the end, without the parser (:mod:`~.scan.warm`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace import frameworks
from pytest_signaltrace.settings import Settings

if TYPE_CHECKING:
    from pytest_signaltrace.model import StaticMap
    from pytest_signaltrace.scan.handover import ScanRequest
    from pytest_signaltrace.scan.process import ScanProcess

#: Seconds the end of the run waits for the scan process before it gives up on the report.
SCAN_TIMEOUT = 600.0


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
    ``skip_folders`` (the run's temporary folders) are not scanned. In this process: only
    where no child process can do it."""
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
    """The run's static scan: started early in a child process, or done on demand.

    Started early (:meth:`start_in_background`), the child scans while the tests run, with one
    worker process (the tests have the other cores); asked for only at the end, it may use
    more. Should a framework be registered after the child started (a conftest below the
    rootdir, a test), its map would miss that framework's signals: the scan is done again.
    Where no child can start, or its registry cannot be the run's, the scan runs here.

    Where an earlier scan of the same folders left its record in the cache
    (:func:`~pytest_signaltrace.scan.warm.read_record`), no child starts early: at the end the
    scan runs here without parsing, and only should it need to parse (a changed file), or fail
    in any way, does a child start then and scan as it would have.
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
        self._process: ScanProcess | None = None
        self._result: StaticMap | None = None
        self._error: Exception | None = None
        #: Whether a child scanned in this run (``False``: the warm scan answered here).
        self.started_process = False

    def start_in_background(self) -> None:
        """Start the scan process now (returns at once), unless the cache can answer."""
        from pytest_signaltrace.scan.warm import read_record

        if read_record(self._request(jobs=1)) is None:
            self._process = self._started(jobs=1)

    def result(self) -> StaticMap:
        """The static map: waits for the scan process (at most :data:`SCAN_TIMEOUT` seconds),
        or scans now; raises what the scan raised."""
        if self._result is None and self._error is None:
            try:
                self._result = self._scan()
            except Exception as exc:
                self._error = exc
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def close(self) -> None:
        """Stop the scan process if it still runs (a run that ends without its report)."""
        process, self._process = self._process, None
        if process is not None:
            process.close()

    def _scan(self) -> StaticMap:
        from pytest_signaltrace.scan.handover import RegistryMismatch

        process, self._process = self._process, None
        if process is not None and process.request.fingerprint != _fingerprint():
            process.close()  # a framework was registered since: scan again with it
            process = None
        if process is None:
            warm = self._scan_warm()
            if warm is not None:
                return warm
            process = self._started(jobs=None)
        if process is None:
            return self._scan_here()
        try:
            return process.result(SCAN_TIMEOUT)
        except RegistryMismatch:
            return self._scan_here()

    def _scan_warm(self) -> StaticMap | None:
        """The map from the cache alone, computed here; ``None`` when the cache cannot answer
        it (or anything goes wrong: the child then scans, and fails, as it would have)."""
        from pytest_signaltrace.scan.handover import scan_as_requested
        from pytest_signaltrace.scan.warm import read_record

        request = self._request(jobs=None)
        record = read_record(request)
        if record is None:
            return None
        try:
            return scan_as_requested(request, search_path=record.search_path, parse=False)
        except Exception:
            return None

    def _request(self, jobs: int | None) -> ScanRequest:
        from pytest_signaltrace.scan.handover import scan_request

        return scan_request(
            self._settings.sources,
            self._rootdir,
            cache_dir=self._cache_dir,
            package_roots=self._settings.package_roots,
            skip_folders=self._skip_folders,
            jobs=jobs,
        )

    def _started(self, jobs: int | None) -> ScanProcess | None:
        """A started scan process, or ``None`` where none can start."""
        from pytest_signaltrace.scan.process import ScanProcess

        process = ScanProcess(self._request(jobs))
        try:
            process.start()
        except OSError:
            process.close()
            return None
        self.started_process = True
        return process

    def _scan_here(self) -> StaticMap:
        return scan_sources(
            self._settings.sources,
            self._rootdir,
            cache_dir=self._cache_dir,
            package_roots=self._settings.package_roots,
            skip_folders=self._skip_folders,
        )


def _fingerprint() -> str:
    return frameworks.catalogue().fingerprint


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
