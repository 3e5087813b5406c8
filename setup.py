"""The optional C part of the send patch (``pytest_signaltrace.trace._fastsend``).

Everything else is in pyproject.toml. ``optional=True``: where no compiler is found the build
goes on without it and the package uses its pure-Python send patch (same records, slower).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "pytest_signaltrace.trace._fastsend",
            ["pytest_signaltrace/trace/_fastsend.c"],
            optional=True,
        )
    ]
)
