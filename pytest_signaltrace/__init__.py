"""pytest-signaltrace: which Django and Celery signal receivers run, and which are dead."""

from __future__ import annotations

import os

__version__ = "0.1.0"

#: The data file's name in the rootdir when none is configured (see ``data.py``).
DEFAULT_DATA_FILE = ".signaltrace"
#: The environment variable that names the data file, as ``COVERAGE_FILE`` does for coverage:
#: it wins over the configuration, the command-line options win over it.
DATA_FILE_ENV = "SIGNALTRACE_FILE"


def default_data_file() -> str:
    """The data file when no option names one: ``$SIGNALTRACE_FILE``, else ``.signaltrace``."""
    return os.environ.get(DATA_FILE_ENV) or DEFAULT_DATA_FILE
