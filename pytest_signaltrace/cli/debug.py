"""``signaltrace debug config``: every effective setting, its value and where it came from,
like ``coverage debug config``."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from pytest_signaltrace.cli.common import ExitCode, load_settings, usage_error

if TYPE_CHECKING:
    from pytest_signaltrace.cli.common import Commands

#: ``signaltrace debug`` topics (coverage's ``debug`` has more: ``sys``, ``data``, ...).
TOPICS = ("config",)


def add_parser(commands: Commands) -> None:
    """Add ``debug`` to the subcommands."""
    debug = commands.add_parser(
        "debug",
        help="show the effective configuration and where each setting came from",
        description="debug config: print every setting the pytest run (and signaltrace "
        "report) would use here, with its value and where it came from (an option, "
        "$SIGNALTRACE_FILE, the pytest ini file, [tool.signaltrace], or the default), and the "
        "ini file and rootdir found, as coverage debug config does.",
    )
    debug.add_argument("topic", choices=TOPICS, help="what to show: config")
    debug.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format"
    )


def run(args: argparse.Namespace) -> int:
    """Run ``signaltrace debug config``; returns the exit status."""
    from pytest_signaltrace.settings import TABLE_KEYS, effective_settings

    loaded = load_settings({}, scans=None)
    if isinstance(loaded, str):
        return usage_error(loaded)
    settings, ini = loaded
    values = effective_settings(settings, ini.rootdir)
    rows = [
        (key, values.get(key), settings.origins.get(key, "default")) for key in sorted(TABLE_KEYS)
    ]
    ini_file = str(ini.path) if ini.path else None
    if args.format == "json":
        document = {
            "ini_file": ini_file,
            "rootdir": str(ini.rootdir),
            "settings": {key: {"value": value, "from": origin} for key, value, origin in rows},
        }
        print(json.dumps(document, indent=2, sort_keys=True))
        return ExitCode.OK
    print(f"ini file: {ini_file or '(none)'}")
    print(f"rootdir: {ini.rootdir}")
    assignments = [f"{key} = {json.dumps(value)}" for key, value, _ in rows]
    width = max(len(text) for text in assignments)
    for text, (_, _, origin) in zip(assignments, rows, strict=True):
        print(f"{text.ljust(width)}  # {origin}")
    return ExitCode.OK
