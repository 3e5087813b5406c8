"""The settings of a pytest run, read from its Config: the plugin's side of the resolution.

Apart from the rest of ``settings`` because it needs pytest, which the ``signaltrace``
subcommands never import (about 0.2 s of their start-up, paid again by every traced command of
``signaltrace run``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from pytest_signaltrace.settings.keys import PLUGIN_OPTIONS
from pytest_signaltrace.settings.model import ConfigError, Settings
from pytest_signaltrace.settings.resolve import resolve_settings


class PytestSource:
    """The settings of a pytest run: its options (``namespace`` in early hooks) and
    ``Config.getini``."""

    def __init__(self, config: pytest.Config, namespace: Any) -> None:
        self.config = config
        self.options = namespace if namespace is not None else config.option
        self.rootdir = config.rootpath
        self.invocation_dir = config.invocation_params.dir
        self.ini_file = str(config.inipath) if config.inipath else "the pytest configuration"

    def option(self, key: str) -> tuple[str, Any]:
        """See :meth:`SettingsSource.option`."""
        dest, name = PLUGIN_OPTIONS.get(key, ("", key))
        return name, getattr(self.options, dest, None) if dest else None

    def ini_keys(self) -> list[str]:
        """See :meth:`SettingsSource.ini_keys`."""
        return list(_ini_keys(self.config))

    def getini(self, name: str) -> Any:
        """See :meth:`SettingsSource.getini`."""
        try:
            return self.config.getini(name)
        # "invalid truth value 'maybe'": a ValueError, a UsageError from pytest 9.2 on.
        except (ValueError, TypeError, pytest.UsageError) as exc:
            problem = str(exc).removeprefix(f"{self.config.inipath}: ")
            problem = problem.removeprefix(f"config option '{name}' ")
            raise ConfigError(f"{name} in {self.ini_file}: {problem}") from None


def read_settings(config: pytest.Config, namespace: Any = None) -> Settings:
    """Resolve the settings; ``namespace`` overrides ``config.option`` (early hooks).

    Raises :class:`pytest.UsageError` for a bad value, an unknown ``[tool.signaltrace]`` or
    ``signaltrace_*`` key, or a source folder that does not exist, with a one-line message that
    names the setting and the file it came from: bad configuration stops the run before any test.
    """
    try:
        return resolve_settings(PytestSource(config, namespace))
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


def _ini_keys(config: pytest.Config) -> Iterable[str]:
    """The keys of the pytest ini file (``Config.inicfg`` is deprecated from pytest 9 on)."""
    keys = getattr(config, "_inicfg", None)
    if keys is None:
        keys = getattr(config, "inicfg", {})
    return list(keys)
