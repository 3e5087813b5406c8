"""Settings from the command line, the pytest ini file and ``[tool.signaltrace]``.

Precedence, highest first: command-line options, ``signaltrace_*`` keys of the pytest ini file
(``pytest.ini``, ``[tool.pytest.ini_options]``, ``setup.cfg``, ``tox.ini``), then
``[tool.signaltrace]`` in the rootdir's ``pyproject.toml``. The pytest run and the
``signaltrace`` subcommands resolve them the same way, from a :class:`SettingsSource`: the
pytest Config, or the files pytest would find (``ini.py``).

One job a module: ``model`` (what settings resolve to), ``keys`` (their names and the checks of
unknown ones), ``values`` (parsing one value), ``sources`` (where they are read), ``resolve``
(the one resolution path), ``pytest_config`` (the plugin's: ``read_settings`` of a pytest Config,
not imported here, so that the ``signaltrace`` command never imports pytest).
"""

from __future__ import annotations

from pytest_signaltrace.settings.keys import (
    INI_KEYS,
    TABLE_KEYS,
    add_options,
    check_ini_keys,
    check_table,
)
from pytest_signaltrace.settings.model import (
    GITHUB_STEP_SUMMARY,
    REPORT_TYPES,
    SKIP_COVERED,
    ConfigError,
    ReportRequest,
    Settings,
)
from pytest_signaltrace.settings.resolve import (
    effective_settings,
    resolve_settings,
)
from pytest_signaltrace.settings.sources import (
    FileSource,
    SettingsSource,
    pyproject_table,
)
from pytest_signaltrace.settings.values import (
    as_list,
    branch_error,
    destination_error,
    output_error,
    parse_percent,
)

__all__ = [
    "GITHUB_STEP_SUMMARY",
    "INI_KEYS",
    "REPORT_TYPES",
    "SKIP_COVERED",
    "TABLE_KEYS",
    "ConfigError",
    "FileSource",
    "ReportRequest",
    "Settings",
    "SettingsSource",
    "add_options",
    "as_list",
    "branch_error",
    "check_ini_keys",
    "check_table",
    "destination_error",
    "effective_settings",
    "output_error",
    "parse_percent",
    "pyproject_table",
    "resolve_settings",
]
