"""Files the scan writes whole or not at all: a temporary file beside the target, then a rename.

Not :mod:`tempfile`: the scan process would import it (with :mod:`shutil`, :mod:`random` and
the compression modules) for nothing else. The temporary name is unique to the process and the
write (two writes of one process never share it; a file a killed process left is overwritten),
and starts with ``.tmp-`` (the stat index removes old ones).
"""

from __future__ import annotations

import contextlib
import itertools
import os
from pathlib import Path

_WRITES = itertools.count()


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``; raises :class:`OSError` (leaving ``path`` as it was and
    no temporary file behind)."""
    temporary = path.with_name(f".tmp-{os.getpid()}-{next(_WRITES)}-{path.name}")
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
