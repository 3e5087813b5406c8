"""Third-party suites for ``run.py``: an sdist from PyPI, extracted, and a virtualenv to run it.

``python benchmarks/real_suite.py [allauth]`` prepares django-allauth's suite (downloads its
sdist, extracts it under ``benchmarks/.cache/``, makes ``benchmarks/.cache/venv-allauth/`` with
its test requirements and this checkout installed) and prints the folder and the interpreter;
``run.py --suite allauth`` does the same by itself before its first run. Later runs reuse both
(delete the folders to start again). Needs PyPI once; then works offline.

Why django-allauth (65.22.1): its own suite of 2,520 tests ships in the sdist and runs on
SQLite with pytest and pytest-django; most of its tests are test-client requests through the
whole middleware stack (login, signup, e-mail, MFA and 100 social providers' OAuth flows: each
request sends ``request_started``/``request_finished`` and has the test client connect and
disconnect two receivers), and they save users, e-mail addresses and social accounts
(``pre_save``/``post_save`` with receivers); 25 signals of its own are sent, about 2,300
times in a run. djangorestframework's suite (1,400 tests) mostly calls views through a request
factory, without the test client, and defines no signal; django-filter's is too small; wagtail's
and django-cms's run through their own test runners and take far longer.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import venv
from dataclasses import dataclass, field
from pathlib import Path

import bench_scan

CHECKOUT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class RealSuite:
    """A suite from an sdist: what to install beside it and how to run it with pytest."""

    name: str
    distribution: str
    version: str
    requirements: tuple[str, ...]
    #: pytest arguments of every run (deselections of tests that cannot pass here).
    pytest_args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)

    @property
    def venv(self) -> Path:
        """The suite's virtualenv."""
        return bench_scan.CACHE_DIR / f"venv-{self.name}"

    @property
    def python(self) -> Path:
        """The suite's interpreter."""
        return self.venv / "bin" / "python"


ALLAUTH = RealSuite(
    name="allauth",
    distribution="django-allauth",
    version="65.22.1",
    requirements=(
        "Django>=5.2,<5.3", "pytest>=8", "pytest-django>=4.5.2", "pytest-xdist>=3.5",
        "pytest-asyncio==1.3.0", "pyjwt[crypto]>=2,<3", "oauthlib>=3.2,<4", "requests>=2,<3",
        "qrcode>=7,<9", "fido2>=1.1.2,<3", "python3-openid>=3.0.8,<4",
        "python3-saml>=1.15,<2", "PyYAML>=6,<7", "djangorestframework>=3.15.2,<4",
        "django-ninja>=1.3,<2", "Pillow>=9", "psycopg[binary]>=3.2.10",
    ),
    # oauthlib 3.3.1 answers the device flow otherwise than allauth 65.22.1's tests expect (16
    # failures, with or without the plugin), and oauthlib 3.2 lacks the device flow altogether.
    pytest_args=("--deselect", "tests/apps/idp/oidc/test_device.py"),
)  # fmt: skip

SUITES = {suite.name: suite for suite in (ALLAUTH,)}


def sdist_tree(name: str, version: str) -> Path:
    """``name``'s sdist extracted under ``benchmarks/.cache/`` (downloaded with pip once)."""
    target = bench_scan.CACHE_DIR / f"{name}-{version}"
    if target.is_dir():
        return target
    folder = bench_scan.CACHE_DIR / "sdists"
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--no-binary", ":all:", f"{name}=={version}", "-d", str(folder),
    ]  # fmt: skip
    subprocess.run(command, check=True)

    def normal(text: str) -> str:
        return text.lower().replace("-", "_")

    (sdist,) = [
        p for p in folder.iterdir() if normal(p.name).startswith(normal(f"{name}-{version}"))
    ]
    bench_scan.extract_sdist(sdist, target)
    return target


def prepare(suite: RealSuite) -> Path:
    """The suite's folder, with its virtualenv ready (made on first use)."""
    root = sdist_tree(suite.distribution, suite.version)
    ready = suite.venv / ".ready"
    if not ready.exists():
        print(f"making {suite.venv} (pip install of the suite's test requirements) ...",
              flush=True)  # fmt: skip
        venv.create(suite.venv, with_pip=True, clear=True)
        pip = [str(suite.python), "-m", "pip", "install", "--quiet"]
        # This checkout, so that the plugin's entry point and wrapt are there (run.py puts the
        # checkout first on PYTHONPATH, so its code is what runs whatever the install holds).
        subprocess.run([*pip, *suite.requirements, "-e", str(CHECKOUT)], check=True)
        ready.write_text("\n".join(suite.requirements) + "\n", encoding="utf-8")
    return root


def main(argv: list[str] | None = None) -> int:
    """Prepare a suite and print where it is."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("suite", nargs="?", default="allauth", choices=sorted(SUITES))
    args = parser.parse_args(argv)
    suite = SUITES[args.suite]
    root = prepare(suite)
    print(f"suite: {root}\npython: {suite.python}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
