"""pytest-signaltrace: which Django and Celery signal receivers run, and which are dead."""

from __future__ import annotations

__version__ = "0.1.0"

#: The data file's name in the rootdir when none is configured (see ``data.py``).
DEFAULT_DATA_FILE = ".signaltrace"
