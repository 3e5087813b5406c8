"""pytest-signaltrace: which Django and Celery signal receivers run, and which are dead."""

from __future__ import annotations

__version__ = "0.1.0"
