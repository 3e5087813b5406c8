"""The project ``signaltrace fix`` judges, whatever folder it is given.

Verdicts come from the whole project's scan: the rootdir a pytest run would use (found from the
given folder upwards, as pytest finds its configuration; else the current folder when the given
folder lies inside it), plus configured source folders outside it. The folder given only limits
which files may be rewritten. Scanning more can only make ``fix`` do less: every extra send site
keeps receivers alive, every extra mention keeps a function.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from pathlib import Path

from pytest_signaltrace.model import StaticMap
from pytest_signaltrace.record import Record


class Project(Record):
    """Where the project is, and what the pytest run's configuration says about it."""

    rootdir: Path
    #: Folders to scan: the rootdir, and configured sources outside it.
    roots: tuple[Path, ...]
    package_roots: tuple[Path, ...]
    #: The configured (or default) data file; ``None``: the configuration names none.
    data_file: Path | None
    #: Receivers the configuration leaves out of the numbers (globs of handler ids or paths).
    exclude: tuple[str, ...] = ()


def find_project(folder: Path) -> Project | str:
    """The project ``folder`` belongs to; else the one-line reason the configuration is bad."""
    from pytest_signaltrace.settings import ConfigError, FileSource, resolve_settings
    from pytest_signaltrace.settings.ini import locate_ini_file

    start = folder.resolve()
    cwd = Path.cwd().resolve()
    try:
        ini = locate_ini_file(start)
        if ini.path is None and ini.rootdir == start and start.is_relative_to(cwd):
            # No configuration from the folder up: the project is the one being worked in.
            ini = locate_ini_file(cwd)
        settings = resolve_settings(FileSource(ini, {}), scans=False)
    except ConfigError as exc:
        return str(exc)
    rootdir = ini.rootdir.resolve()
    if not start.is_relative_to(rootdir):
        rootdir = start
    outside = [s for s in settings.sources if s.is_dir() and not s.is_relative_to(rootdir)]
    return Project(
        rootdir=rootdir,
        roots=(rootdir, *outside),
        package_roots=tuple(p for p in settings.package_roots if p.is_dir()),
        data_file=settings.data_file,
        exclude=settings.exclude,
    )


#: Configuration beside the code that may name a function (entry points, task routes, hooks).
CONFIG_SUFFIXES = frozenset({".toml", ".cfg", ".ini", ".yaml", ".yml", ".json"})
#: A configuration file larger than this is data, not configuration: not read.
CONFIG_MAX_SIZE = 1024 * 1024


def python_scripts(rootdir: Path) -> dict[str, str]:
    """The Python scripts without ``.py`` under ``rootdir`` (``bin/refund`` starting with a
    ``#!...python`` line): the scan does not read them, but they may send any signal."""
    from pytest_signaltrace.scan.files import DEFAULT_EXCLUDED_DIRS

    scripts: dict[str, str] = {}
    for folder, subfolders, files in os.walk(rootdir):
        subfolders[:] = sorted(
            d for d in subfolders if not d.startswith(".") and d not in DEFAULT_EXCLUDED_DIRS
        )
        for name in sorted(files):
            path = Path(folder, name)
            if "." in name or path.is_symlink():
                continue
            try:
                if path.stat().st_size > CONFIG_MAX_SIZE:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            first = data.split(b"\n", 1)[0]
            if first.startswith(b"#!") and b"python" in first:
                scripts[_relative(path, rootdir)] = data.decode("utf-8", "replace")
    return scripts


def project_texts(project: Project, static: StaticMap) -> dict[str, str]:
    """Every Python file of the project as text, the files the scan skipped included (a name
    used only in a file too large to scan is still used), and the configuration files at the
    rootdir (``pyproject.toml``'s entry points may name a handler)."""
    from pytest_signaltrace.scan.files import discover

    texts: dict[str, str] = {}
    for root in project.roots:
        for source in discover(root).files:
            key = _relative(root / source.relpath, project.rootdir)
            texts[key] = source.data.decode("utf-8", "replace")
    for skipped in static.files_skipped:
        path = project.rootdir / skipped.path
        if skipped.path not in texts and path.is_file():
            try:
                texts[skipped.path] = path.read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
    for path in sorted(project.rootdir.iterdir()):
        try:
            if path.suffix in CONFIG_SUFFIXES and path.stat().st_size <= CONFIG_MAX_SIZE:
                texts[path.name] = path.read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
    return texts


def _relative(path: Path, rootdir: Path) -> str:
    try:
        return path.relative_to(rootdir).as_posix()
    except ValueError:
        return path.as_posix()


class Writable(Record):
    """Which files of the map ``fix`` may rewrite: under the folder given, not excluded, and
    reached from the rootdir without a symlink (never write outside the scanned tree)."""

    rootdir: Path
    folder: Path
    exclude: Sequence[str] = ()

    def __call__(self, path: str) -> bool:
        """Whether ``path`` (relative to the rootdir, POSIX) may be rewritten."""
        from pytest_signaltrace.fix.apply import target_in_tree

        target = target_in_tree(self.rootdir, path)
        if target is None or os.path.isabs(path) or not target.is_file():
            return False
        folder = os.path.realpath(self.folder)
        if not (str(target) + os.sep).startswith(folder.rstrip(os.sep) + os.sep):
            return False
        in_folder = os.path.relpath(target, folder).replace(os.sep, "/")
        return not any(
            fnmatch.fnmatch(path, glob) or fnmatch.fnmatch(in_folder, glob) for glob in self.exclude
        )
