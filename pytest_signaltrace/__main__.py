"""Allow ``python -m pytest_signaltrace``."""

from __future__ import annotations

from pytest_signaltrace.cli import main

raise SystemExit(main())
