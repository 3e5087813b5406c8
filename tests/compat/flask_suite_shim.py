"""A pytest plugin for Flask's own test suite on pytest 9: puts back the one name it imports
that pytest 9 removed (``_pytest.monkeypatch.notset``, now ``_pytest.compat.NOTSET``).

Loaded with ``-p flask_suite_shim`` by ``run_peer_suites.py`` for both runs, with and without
pytest-signaltrace, so the two counts stay comparable; it changes nothing else.
"""

from __future__ import annotations

import _pytest.monkeypatch

if not hasattr(_pytest.monkeypatch, "notset"):
    from _pytest.compat import NOTSET

    _pytest.monkeypatch.notset = NOTSET  # type: ignore[attr-defined]
