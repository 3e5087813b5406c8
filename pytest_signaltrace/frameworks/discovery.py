"""The frameworks other packages declare: entry points of the group :data:`ENTRY_POINT_GROUP`.

``importlib.metadata.entry_points`` reads every installed distribution's metadata (about 25 ms of
CPU on a virtualenv of a hundred packages, where a warm ``signaltrace scan`` takes 150 ms), so the
folders of ``sys.path`` are first looked through for an ``entry_points.txt`` that names the group
at all; only then is it asked. A ``sys.path`` entry that is not a folder (a zip) is always asked.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_signaltrace.frameworks.protocol import Framework

#: Entry points of this group name a :class:`Framework` object of another package.
ENTRY_POINT_GROUP = "pytest_signaltrace.frameworks"
_HEADER = f"[{ENTRY_POINT_GROUP}]".encode()


def declared_frameworks() -> Iterator[Framework]:
    """Load every framework declared in :data:`ENTRY_POINT_GROUP`; a broken one is a warning."""
    from pytest_signaltrace.frameworks.protocol import Framework

    if not _may_declare():
        return
    from importlib import metadata

    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            framework = entry_point.load()
            if not isinstance(framework, Framework):
                raise TypeError(f"{entry_point.value} is not a Framework")
        except Exception as exc:  # a broken third-party adapter must not stop the run
            warnings.warn(
                f"pytest-signaltrace: framework entry point {entry_point.name!r} ignored: {exc}",
                stacklevel=2,
            )
            continue
        yield framework


def _may_declare() -> bool:
    """Whether some distribution on ``sys.path`` may declare the group (never wrong by "no")."""
    for entry in sys.path:
        folder = entry or os.getcwd()
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                return True  # a zip: let importlib.metadata read it
            continue
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")) and _names_group(folder, name):
                return True
    return False


def _names_group(folder: str, distribution: str) -> bool:
    try:
        with open(os.path.join(folder, distribution, "entry_points.txt"), "rb") as handle:
            return _HEADER in handle.read()
    except OSError:
        return False
