"""The plugin loads, and does nothing harmful, where Django and Celery are absent."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

# Each test runs pytest in a subprocess (10-30 s each on a loaded 2-core machine).
pytestmark = pytest.mark.slow


def test_the_plugin_is_registered_through_its_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_it="""
        def test_registered(request):
            assert request.config.pluginmanager.hasplugin("signaltrace")
        """
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_the_plugin_loads_without_django_or_celery(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Packages named django and celery that fail to import, first on the path: as if absent.
    for name in ("django", "celery"):
        package = pytester.path / "blocked" / name
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(f"raise ImportError('{name} is not installed')\n")
    pytester.makepyfile(
        test_it="""
        import sys

        import pytest

        def test_neither_is_imported():
            assert "django" not in sys.modules
            assert "celery" not in sys.modules

        def test_neither_can_be_imported():
            with pytest.raises(ImportError, match="not installed"):
                import django  # noqa: F401
            with pytest.raises(ImportError, match="not installed"):
                import celery  # noqa: F401
        """
    )
    monkeypatch.setenv("PYTHONPATH", str(pytester.path / "blocked"))
    result = pytester.runpytest_subprocess("-p", "no:django", "-p", "no:celery")
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist-worker"])
def test_tracing_imports_no_report_scan_or_parser_module_before_the_end(
    pytester: pytest.Pytester, workers: list[str]
) -> None:
    # While tests run, a traced process needs the patches and the recorder only: the merge,
    # the scan (and libcst), the gate and the reporters are imported at the end of the run,
    # where they are used (an xdist worker never imports them). The scan runs in a child
    # process: starting it and reading its result (scan.process, scan.handover), or finding
    # that the cache can answer (scan.warm, scan.atomic), is all of the scan a serial run or a
    # controller imports.
    pytester.makepyfile(
        test_it="""
        import sys

        LATE = ("merge", "scan", "gate", "data", "model", "report", "reporting")
        LIGHT = (
            "pytest_signaltrace.report",
            "pytest_signaltrace.report.options",
            "pytest_signaltrace.scan",
            "pytest_signaltrace.scan.atomic",
            "pytest_signaltrace.scan.handover",
            "pytest_signaltrace.scan.hashes",  # what scan.warm imported hashlib for
            "pytest_signaltrace.scan.process",
            "pytest_signaltrace.scan.warm",
        )

        def test_nothing_heavy_is_imported_yet():
            loaded = [
                name for name in sys.modules
                if name == "libcst"
                or name.startswith("pytest_signaltrace.")
                and name.split(".")[1] in LATE
                and name not in LIGHT
            ]
            assert loaded == []
        """
    )
    result = pytester.runpytest_subprocess("--signal-report=term", "-p", "no:randomly", *workers)
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], []),
        (["--signal-report=term"], ["signaltrace-tests"]),
        (["--signal-report=term", "--signal-strict"], ["signaltrace-strict", "signaltrace-tests"]),
    ],
    ids=["off", "on", "strict"],
)
def test_hooks_around_each_test_are_registered_only_when_they_have_work(
    pytester: pytest.Pytester, options: list[str], expected: list[str]
) -> None:
    # A hook wrapper costs every test of the suite a call per phase even when it returns at once.
    pytester.makepyfile(
        test_it=f"""
        def test_registered(request):
            names = sorted(
                name for name, _ in request.config.pluginmanager.list_name_plugin()
                if name and name.startswith("signaltrace-") and name != "signaltrace-xdist"
            )
            assert names == {expected!r}
        """
    )
    pytester.runpytest_subprocess(*options).assert_outcomes(passed=1)
