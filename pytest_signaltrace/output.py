"""Writing reports: stdout for ``-``, else atomically (never half a report left behind)."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path


def write_text(destination: str | Path, text: str) -> None:
    """Write ``text`` to stdout (``-``) or to a file, atomically, creating its folder."""
    if str(destination) == "-":
        sys.stdout.write(text)
        return
    target = Path(destination)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        # mkstemp makes the file private (0600); a report is an ordinary file (0666 - umask).
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
