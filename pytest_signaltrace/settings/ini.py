"""The pytest ini file, found and read as pytest finds and reads it, without a pytest Config.

The ``signaltrace`` subcommands read the same configuration as the pytest run. Building a
``pytest.Config`` for that would load every installed plugin (pytest-django sets Django up), so
this module repeats the part of pytest that matters: the search from the current folder upwards
(``_pytest/config/findpaths.py``: the first file that qualifies wins, its folder is the
rootdir), ``iniconfig`` for INI files as pytest parses them, and ``Config.getini``'s conversion
of a raw value for the ``addini`` types the plugin uses (``linelist``, ``paths``, ``string``,
``bool``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import iniconfig

# pytest.version_tuple is this; importing the pytest package would cost the signaltrace command
# 0.2 s of its start-up
from _pytest import version_tuple as pytest_version

from pytest_signaltrace.record import Record, field
from pytest_signaltrace.settings.model import ConfigError

#: pytest 9 reads ``pytest.toml`` (first) and ``[tool.pytest]`` with native TOML types.
_PYTEST_9 = int(pytest_version[0]) >= 9
#: The files pytest looks at in each folder, in its order.
CONFIG_NAMES: tuple[str, ...] = (
    *(("pytest.toml", ".pytest.toml") if _PYTEST_9 else ()),
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
)

#: How the values of a section are typed: ``ini`` (strings and lists of strings, converted by
#: type) or ``toml`` (pytest 9's native TOML values, checked by type).
Mode = Literal["ini", "toml"]


class IniFile(Record):
    """The pytest configuration found from a folder: the file (``None``: none), the rootdir,
    and the raw values of its pytest section."""

    path: Path | None
    rootdir: Path
    #: Where pytest was (would be) started: ``paths`` values are relative to it without a file.
    invocation_dir: Path
    values: dict[str, Any] = field(default_factory=dict)
    mode: Mode = "ini"

    def getini(self, name: str, kind: str) -> Any:
        """The value of ``name`` as ``Config.getini`` returns it for an ``addini`` of type
        ``kind`` (its default when the file does not set it); a bad value raises
        :class:`ValueError` saying what is wrong, in pytest's words."""
        if name not in self.values:
            return {"bool": False, "string": ""}.get(kind, [])
        value = self.values[name]
        if self.mode == "toml":
            return self._typed(kind, value)
        if kind == "paths":
            folder = self.path.parent if self.path is not None else self.invocation_dir
            if isinstance(value, str):
                import shlex  # (`signaltrace run` reads no such value: not at import)

                items = shlex.split(value)
            else:
                items = value
            return [folder / item for item in items]
        if kind == "linelist":
            if isinstance(value, str):
                return [line.strip() for line in value.split("\n") if line.strip()]
            return value
        if kind == "bool":
            return strtobool(str(value).strip())
        return value

    def _typed(self, kind: str, value: object) -> Any:
        """A native TOML value, checked as pytest 9 checks it (no conversion)."""
        got = f"got {type(value).__name__}: {value!r}"
        if kind in ("paths", "linelist"):
            if not isinstance(value, list):
                raise ValueError(f"expects a list for type {kind!r}, {got}")
            for index, item in enumerate(value):
                if not isinstance(item, str):
                    raise ValueError(
                        "expects a list of strings, but item at index "
                        f"{index} is {type(item).__name__}: {item!r}"
                    )
            if kind == "paths":
                folder = self.path.parent if self.path is not None else self.invocation_dir
                return [folder / item for item in value]
            return list(value)
        if kind == "bool" and not isinstance(value, bool):
            raise ValueError(f"expects a bool, {got}")
        if kind == "string" and not isinstance(value, str):
            raise ValueError(f"expects a string, {got}")
        return value


def strtobool(text: str) -> bool:
    """pytest's spellings of a bool ini value (``_pytest.config._strtobool``)."""
    lowered = text.lower()
    if lowered in ("y", "yes", "t", "true", "on", "1"):
        return True
    if lowered in ("n", "no", "f", "false", "off", "0"):
        return False
    raise ValueError(f"invalid truth value {lowered!r}")


def locate_ini_file(invocation_dir: Path) -> IniFile:
    """The pytest configuration pytest would use when started in ``invocation_dir`` with no
    path arguments, ``-c`` or ``--rootdir``: the first file of :data:`CONFIG_NAMES` that
    qualifies, from ``invocation_dir`` upwards; else the nearest ``pyproject.toml`` (an empty
    configuration, its folder the rootdir); else no file, and the rootdir is the nearest folder
    with a ``setup.py``, else ``invocation_dir``.

    Raises :class:`ConfigError` for a file pytest would refuse too (not valid INI or TOML).
    """
    folders = (invocation_dir, *invocation_dir.parents)
    nearest_pyproject: Path | None = None
    for folder in folders:
        for name in CONFIG_NAMES:
            path = folder / name
            if not path.is_file():
                continue
            if name == "pyproject.toml" and nearest_pyproject is None:
                nearest_pyproject = path
            section = _pytest_section(path)
            if section is not None:
                values, mode = section
                return IniFile(path, folder, invocation_dir, values, mode)
    if nearest_pyproject is not None:
        return IniFile(nearest_pyproject, nearest_pyproject.parent, invocation_dir)
    for folder in folders:
        if (folder / "setup.py").is_file():
            return IniFile(None, folder, invocation_dir)
    return IniFile(None, invocation_dir, invocation_dir)


def _pytest_section(path: Path) -> tuple[dict[str, Any], Mode] | None:
    """The pytest section of ``path`` (``None``: the file does not configure pytest)."""
    if path.suffix == ".toml":
        return _toml_section(path)
    try:
        parsed = iniconfig.IniConfig(str(path))
    except iniconfig.ParseError as exc:
        raise ConfigError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it: {exc}") from None
    wanted = "tool:pytest" if path.suffix == ".cfg" else "pytest"
    if wanted in parsed:
        return dict(parsed[wanted].items()), "ini"
    if path.suffix == ".cfg" and "pytest" in parsed:
        raise ConfigError(
            f"{path}: [pytest] section in setup.cfg files is no longer supported, change to "
            "[tool:pytest] instead."
        )
    if path.name in ("pytest.ini", ".pytest.ini"):
        return {}, "ini"  # always the configuration, even without a [pytest] section
    return None


def _toml_section(path: Path) -> tuple[dict[str, Any], Mode] | None:
    # tomllib (about 35 M instructions with its regexes and datetime) only for a TOML file:
    # `signaltrace run` under a pytest.ini does not pay for it
    import tomllib

    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it: {exc}") from None
    if path.name in ("pytest.toml", ".pytest.toml"):
        table = document.get("pytest", {})
        return (dict(table), "toml") if isinstance(table, dict) else ({}, "toml")
    tool = document.get("tool", {})
    pytest_table = tool.get("pytest", {}) if isinstance(tool, dict) else {}
    if not isinstance(pytest_table, dict):
        return None
    ini_options = pytest_table.get("ini_options")
    native = {k: v for k, v in pytest_table.items() if k != "ini_options"} if _PYTEST_9 else {}
    if native and ini_options is not None:
        raise ConfigError(
            f"{path}: Cannot use both [tool.pytest] (native TOML types) and "
            "[tool.pytest.ini_options] (string-based INI format) simultaneously."
        )
    if native:
        return native, "toml"
    if isinstance(ini_options, dict):
        # pytest reads [tool.pytest.ini_options] as an INI file: scalars become strings.
        return {k: v if isinstance(v, list) else str(v) for k, v in ini_options.items()}, "ini"
    return None
