"""A generated Django project at the scale that made the HTML report 42,000 px tall: 134 signals
and 453 receivers over 12 apps (issue 10), with a test suite that leaves some of them unrun.

``write_scale_project(root)`` writes ``settings.py``, ``pytest.ini``, the apps and their tests
under ``root``; run pytest there. Deterministic: the same files every time.

What it holds, so that every part of the page is exercised:

* app ``i`` is ``app{i:02d}``; every third app has a long name and keeps its receivers in a
  nested package (``.../integrations/webhooks/receivers.py``), for long paths;
* signal ``j`` lives in app ``j % 12``; every seventh has no send site (its receivers are dead);
* receiver ``k`` receives signal ``k % 134`` (the first 134 cover every signal once) and lives in
  app ``k % 12`` (so apps import each other's signals); every 40th receives Django's
  ``request_finished`` instead; some handler names are long;
* each sent signal whose number is not a multiple of 3 is sent by 4 parametrised tests in its
  app's test file and once by ``tests/test_smoke.py``: its receivers ran in 5 tests, 4 of them in
  one file; the others never ran;
* every app has an empty ``models.py`` (which the scan must not report as skipped).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

APPS = 12
SIGNALS = 134
RECEIVERS = 453

_VERBS = ("placed", "shipped", "refunded", "approved", "archived", "imported", "renewed")
_NOUNS = ("order", "invoice", "customer", "shipment", "subscription", "payment", "ledger_entry")


def app_name(index: int) -> str:
    """The package of app ``index``."""
    if index % 3 == 2:
        return f"app{index:02d}_customer_relationship_management"
    return f"app{index:02d}"


def receivers_module(index: int) -> str:
    """The dotted module that holds app ``index``'s receivers."""
    if index % 3 == 2:
        return f"{app_name(index)}.integrations.webhooks.receivers"
    return f"{app_name(index)}.receivers"


def signal_name(index: int) -> str:
    """The name of signal ``index`` (unique)."""
    noun = _NOUNS[index % len(_NOUNS)]
    verb = _VERBS[(index // len(_NOUNS)) % len(_VERBS)]
    return f"{noun}_{verb}_{index}"


def is_sent(index: int) -> bool:
    """Whether any code sends signal ``index``."""
    return index % 7 != 0


def is_tested(index: int) -> bool:
    """Whether the tests send signal ``index``."""
    return is_sent(index) and index % 3 != 0


def write_scale_project(
    root: Path, *, apps: int = APPS, signals: int = SIGNALS, receivers: int = RECEIVERS
) -> None:
    """Write the project under ``root`` (created)."""
    files: dict[str, str] = {
        "settings.py": f"""
            SECRET_KEY = "scale-test-only"
            INSTALLED_APPS = {[app_name(i) for i in range(apps)]!r}
            DATABASE = {{"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
            DATABASES = {{"default": DATABASE}}
            USE_TZ = True
            """,
        "pytest.ini": """
            [pytest]
            DJANGO_SETTINGS_MODULE = settings
            pythonpath = .
            testpaths = tests
            """,
        "tests/__init__.py": "",
    }
    by_app: dict[int, list[int]] = {i: [] for i in range(apps)}
    for k in range(receivers):
        by_app[k % apps].append(k)
    smoke = ["import pytest", ""]
    for i in range(apps):
        name = app_name(i)
        own = [j for j in range(signals) if j % apps == i]
        files[f"{name}/__init__.py"] = ""
        files[f"{name}/models.py"] = ""
        files[f"{name}/apps.py"] = f"""
            from django.apps import AppConfig


            class Config(AppConfig):
                name = "{name}"

                def ready(self):
                    import {receivers_module(i)}  # noqa: F401
            """
        files[f"{name}/signals.py"] = "from django.dispatch import Signal\n\n" + "".join(
            f"{signal_name(j)} = Signal()\n" for j in own
        )
        files[f"{name}/services.py"] = _services(name, own)
        module_path = receivers_module(i).replace(".", "/")
        if i % 3 == 2:
            files[f"{name}/integrations/__init__.py"] = ""
            files[f"{name}/integrations/webhooks/__init__.py"] = ""
        files[f"{module_path}.py"] = _receivers(by_app[i], signals, apps)
        tested = [j for j in own if is_tested(j)]
        if tested:
            files[f"tests/test_{name}.py"] = _app_tests(name, tested)
            smoke += [
                f"from {name}.services import {', '.join(f'send_{signal_name(j)}' for j in tested)}"
            ]
    smoke += ["", ""]
    for j in range(signals):
        if is_tested(j):
            smoke += [f"def test_smoke_{j}():", f"    send_{signal_name(j)}()", "", ""]
    files["tests/test_smoke.py"] = "\n".join(smoke).rstrip() + "\n"
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _services(app: str, own: list[int]) -> str:
    sent = [j for j in own if is_sent(j)]
    if not sent:
        return ""
    lines = [f"from {app}.signals import {', '.join(signal_name(j) for j in sent)}", "", ""]
    for j in sent:
        lines += [
            f"def send_{signal_name(j)}():",
            f"    {signal_name(j)}.send(sender=None)",
            "",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def _receivers(indexes: list[int], signals: int, apps: int) -> str:
    lines = [
        "from django.core.signals import request_finished",
        "from django.dispatch import receiver",
        "",
    ]
    used: dict[int, None] = {}
    for k in indexes:
        if k % 40 != 39:
            used[k % signals] = None
    for j in sorted(used):
        lines.append(f"from {app_name(j % apps)}.signals import {signal_name(j)}")
    lines += ["", ""]
    for k in indexes:
        if k % 40 == 39:
            signal, handler = "request_finished", f"on_request_finished_{k}"
        else:
            signal = signal_name(k % signals)
            handler = f"on_{signal}_{k}"
            if k % 5 == 4:
                handler = f"notify_the_customer_success_team_by_email_and_sms_about_{signal}_{k}"
        lines += [f"@receiver({signal})", f"def {handler}(sender, **kwargs):", "    pass", "", ""]
    return "\n".join(lines).rstrip() + "\n"


def _app_tests(app: str, tested: list[int]) -> str:
    names = ", ".join(f"send_{signal_name(j)}" for j in tested)
    lines = ["import pytest", "", f"from {app}.services import {names}", "", ""]
    for j in tested:
        lines += [
            '@pytest.mark.parametrize("attempt", range(4))',
            f"def test_send_{signal_name(j)}(attempt):",
            f"    send_{signal_name(j)}()",
            "",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"
