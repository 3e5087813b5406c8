"""Allow ``python -m pytest_signaltrace``."""

from __future__ import annotations

from pytest_signaltrace.cli import console_main

raise SystemExit(console_main())
