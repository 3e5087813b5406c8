"""The README is the front door: short, two Quickstart commands (the second is what CI runs), a
demo whose install stays small, and links that work; the docs site holds the rest, and its
configuration page names every option and ini key the plugin registers."""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGURATION_PAGE = ROOT / "docs" / "configuration.md"
#: As pytest-cov's and coverage.py's READMEs: what it is, install, quickstart, options, links.
README_MAX_LINES = 250


def _quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the Quickstart has no sh block"
    lines = [line.strip() for line in block[1].splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _extra(name: str, extras: dict[str, list[str]]) -> set[str]:
    """The distribution names an extra installs, with extras of this project expanded."""
    names = set()
    for requirement in extras[name]:
        match = re.match(r"pytest-signaltrace\[(.+)\]", requirement)
        if match:
            for inner in match[1].split(","):
                names |= _extra(inner.strip(), extras)
        else:
            names.add(re.split(r"[<>=!\[; ]", requirement, maxsplit=1)[0].lower())
    return names


def test_the_quickstart_has_exactly_two_commands_and_ci_runs_the_second() -> None:
    commands = _quickstart_commands()
    assert len(commands) == 2, commands
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_demo_leaves_the_shell_where_it_was_so_the_second_command_works_after_it() -> None:
    demo = _quickstart_commands()[0]
    outside_parentheses = re.sub(r"\([^()]*\)", "", demo)
    assert "cd " not in outside_parentheses, demo
    assert "--signal-report" in demo


def test_the_demo_install_does_not_pull_the_test_only_packages() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    demo_extra = re.search(r"-e '\.\[(\w+)\]'", _quickstart_commands()[0])
    assert demo_extra
    demo = _extra(demo_extra[1], extras)
    assert {"django", "celery", "pytest-django", "flask", "blinker"} <= demo
    assert not demo & {"playwright", "lxml", "pytest-xdist", "hypothesis", "hypothesmith"}
    assert {"playwright", "lxml"} <= _extra("test", extras)


def test_the_readme_stays_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, len(lines)


def test_the_readme_and_the_pre_commit_recipe_name_the_projects_urls() -> None:
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "<the URL of this repository>" not in readme
    assert urls["Documentation"] in readme
    assert urls["Homepage"] in readme
    assert f"- repo: {urls['Homepage']}\n" in (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")


def test_the_configuration_example_shows_every_setting_in_both_forms() -> None:
    from pytest_signaltrace.settings import INI_KEYS

    page = CONFIGURATION_PAGE.read_text(encoding="utf-8")
    example = page.split("\n[tool.signaltrace]", 1)[1].split("```", 1)[0]
    for ini_key in INI_KEYS:
        assert f"# {ini_key} = " in example, ini_key
        assert f"\n{ini_key.removeprefix('signaltrace_')} = " in example, ini_key


class _RecordingParser:
    """Stands in for pytest's parser: records the options and ini keys the plugin registers."""

    def __init__(self) -> None:
        self.options: list[str] = []
        self.ini_keys: list[str] = []

    def getgroup(self, *_args: object, **_kwargs: object) -> _RecordingParser:
        return self

    def addoption(self, *names: str, **_kwargs: object) -> None:
        self.options += names

    def addini(self, name: str, *_args: object, **_kwargs: object) -> None:
        self.ini_keys.append(name)


def test_every_option_and_ini_key_the_plugin_registers_is_on_the_configuration_page() -> None:
    from pytest_signaltrace.settings import add_options

    parser = _RecordingParser()
    add_options(parser)  # type: ignore[arg-type]
    page = CONFIGURATION_PAGE.read_text(encoding="utf-8")
    assert parser.options
    assert parser.ini_keys
    undocumented = [
        name for name in [*parser.options, *parser.ini_keys] if f"`{name}" not in page
    ]
    assert not undocumented, f"add them to docs/configuration.md: {undocumented}"


#: The docs page of each ``signaltrace`` subcommand.
COMMAND_PAGES = {
    "scan": "scan.md",
    "report": "data-file.md",
    "combine": "data-file.md",
    "run": "data-file.md",
    "diff": "gates.md",
    "fix": "fix.md",
    "debug": "configuration.md",
}


def _command_options() -> dict[str, set[str]]:
    """Each subcommand of ``signaltrace`` and its long options (``debug config``'s under
    ``debug``)."""
    from pytest_signaltrace.cli import build_parser

    def long_options(parser: argparse.ArgumentParser) -> set[str]:
        names: set[str] = set()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for inner in action.choices.values():
                    names |= long_options(inner)
            names |= {o for o in action.option_strings if o.startswith("--") and o != "--help"}
        return names

    commands = next(
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    )
    return {name: long_options(parser) for name, parser in commands.choices.items()}


def test_every_option_of_every_signaltrace_command_is_on_its_page() -> None:
    commands = _command_options()
    assert set(commands) == set(COMMAND_PAGES), "give the new subcommand a page in COMMAND_PAGES"
    undocumented = []
    for command, options in sorted(commands.items()):
        page = (ROOT / "docs" / COMMAND_PAGES[command]).read_text(encoding="utf-8")
        undocumented += [f"{command} {o}" for o in sorted(options) if o not in page]
    assert not undocumented, f"add them to their docs pages: {undocumented}"
