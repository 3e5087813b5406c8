"""A traced run never makes a record class's ``dataclasses.Field`` objects (``record.py``):
each class made into a dataclass twin costs its process about a million instructions, and
every step of a run (the scan's request, the merge's ordering, the terminal report's escapes)
reads the fields' names from the record itself."""

from __future__ import annotations

import json

import pytest
from e2e_project import TWO_OF_THREE_RECEIVERS, TWO_OF_THREE_TESTS, DjangoProject

#: Writes, at the end of the run, the record classes whose ``__dataclass_fields__`` were made.
CONFTEST = """
import json


def pytest_unconfigure(config):
    from pytest_signaltrace.record import Record

    made, classes = [], list(Record.__subclasses__())
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if isinstance(cls.__dict__.get("__dataclass_fields__"), dict):
            made.append(cls.__qualname__)
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    name = "made-" + worker + ".json"
    with open(name, "w") as out:
        json.dump(sorted(made), out)
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_traced_run_makes_no_record_dataclass_fields(
    django_project: DjangoProject, workers: list[str]
) -> None:
    django_project.write(
        conftest=CONFTEST,
        **{"shop/receivers": TWO_OF_THREE_RECEIVERS, "test_orders": TWO_OF_THREE_TESTS},
    )
    result = django_project.run("--signal-report=term", *workers, cache=True)
    result.assert_outcomes(passed=2)
    made = {
        path.name: json.loads(path.read_text())
        for path in django_project.pytester.path.glob("made-*.json")
    }
    assert "made-main.json" in made
    if workers:  # and one file per xdist worker
        assert {"made-gw0.json", "made-gw1.json"} <= made.keys()
    assert made == {name: [] for name in made}
