"""The plugin loads, and does nothing harmful, where Django and Celery are absent."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


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
