"""Where settings are read: the pytest Config (the plugin) or the files pytest would find (the
``signaltrace`` subcommands), and ``[tool.signaltrace]`` of the rootdir's ``pyproject.toml``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pytest_signaltrace.settings.keys import INI_KEYS
from pytest_signaltrace.settings.model import ConfigError

if TYPE_CHECKING:
    from pytest_signaltrace.settings.ini import IniFile


class SettingsSource(Protocol):
    """Where :func:`resolve_settings` reads: the pytest Config in the plugin
    (:class:`~.pytest_config.PytestSource`), the files pytest would find in the
    ``signaltrace`` subcommands (:class:`FileSource`). One resolution for both, so that they
    cannot drift apart."""

    @property
    def rootdir(self) -> Path:
        """pytest's rootdir: ``[tool.signaltrace]`` is read from its ``pyproject.toml``."""

    @property
    def invocation_dir(self) -> Path:
        """Where the command was started: command-line paths are relative to it."""

    @property
    def ini_file(self) -> str:
        """How messages name the pytest ini file."""

    def option(self, key: str) -> tuple[str, Any]:
        """The command-line option of the setting ``key`` (``fail_under``): its name
        (``--signal-fail-under``) and its value (``None``: not given)."""

    def ini_keys(self) -> list[str]:
        """The keys the pytest ini file sets."""

    def getini(self, name: str) -> Any:
        """``Config.getini(name)``; a bad value raises :class:`ConfigError` naming ``name``
        and the ini file."""


class FileSource:
    """The settings of a ``signaltrace`` subcommand: its own options (setting key -> option
    name and value) and the pytest ini file pytest would find (``ini.locate_ini_file``)."""

    def __init__(self, ini: IniFile, options: Mapping[str, tuple[str, Any]]) -> None:
        self.ini = ini
        self.options = options
        self.rootdir = ini.rootdir
        self.invocation_dir = ini.invocation_dir
        self.ini_file = str(ini.path) if ini.path else "the pytest configuration"

    def option(self, key: str) -> tuple[str, Any]:
        """See :meth:`SettingsSource.option`."""
        return self.options.get(key, (key, None))

    def ini_keys(self) -> list[str]:
        """See :meth:`SettingsSource.ini_keys`."""
        return list(self.ini.values)

    def getini(self, name: str) -> Any:
        """See :meth:`SettingsSource.getini`."""
        try:
            return self.ini.getini(name, INI_KEYS[name][0])
        except ValueError as exc:
            raise ConfigError(f"{name} in {self.ini_file}: {exc}") from None


def pyproject_table(rootdir: Path, *, strict: bool = False) -> dict[str, Any]:
    """``[tool.signaltrace]`` of ``rootdir/pyproject.toml`` (empty when missing or unreadable).

    With ``strict``, a file that is not valid TOML but mentions ``[tool.signaltrace]`` raises
    :class:`ConfigError` (any other broken pyproject is not this plugin's business).
    """
    path = rootdir / "pyproject.toml"
    try:
        with path.open("rb") as handle:
            raw = handle.read()
    except OSError:
        return {}
    # imported only when there is a pyproject.toml to read (about 35 M instructions)
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        if strict and b"tool.signaltrace" in raw:
            raise ConfigError(f"{path}: cannot read [tool.signaltrace]: {exc}") from None
        return {}
    tool = data.get("tool", {})
    table = tool.get("signaltrace", {}) if isinstance(tool, dict) else {}
    if strict and not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.signaltrace is not a table")
    return table if isinstance(table, dict) else {}
