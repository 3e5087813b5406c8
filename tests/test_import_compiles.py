"""What the modules of a traced run's test process compile when imported.

``@dataclass`` writes each method it adds as source text and compiles it, ``typing.NamedTuple``
and ``TypedDict`` compile each string annotation (a ``ForwardRef``), and ``namedtuple`` compiles
its ``__new__``: each compile is about 0.2 to 0.7 M instructions, paid at every import by every
traced process. A fresh interpreter imports the modules a serial run's test process imports
(start-up, recording, the warm scan, the merge, the data file, the terminal report) with an
audit hook on ``compile`` and counts, per package module, the compiles made while that
module's body was creating its classes.
"""

from __future__ import annotations

import json
import subprocess
import sys

#: The modules a traced test process imports (its start, its recording, its end of run).
MODULES = (
    "pytest_signaltrace.plugin.hooks",
    "pytest_signaltrace.plugin.session",
    "pytest_signaltrace.plugin.testhooks",
    "pytest_signaltrace.plugin.finish",
    "pytest_signaltrace.trace.installation",
    "pytest_signaltrace.trace.send_patch",
    "pytest_signaltrace.trace.connects",
    "pytest_signaltrace.scan.engine",
    "pytest_signaltrace.scan.handover",
    "pytest_signaltrace.scan.warm",
    "pytest_signaltrace.merge.merge",
    "pytest_signaltrace.datafile.data",
    "pytest_signaltrace.report.terminal",
)

COUNT_COMPILES = """
import collections
import json
import sys

GENERATORS = ("/dataclasses.py", "/typing.py", "/collections/__init__.py")
counts = collections.Counter()


def hook(event, args):
    if event != "compile":
        return
    frame = sys._getframe(1)
    generated = False
    while frame is not None and frame.f_code.co_filename.endswith(GENERATORS):
        generated, frame = True, frame.f_back
    if generated and frame is not None and frame.f_code.co_name == "<module>":
        name = frame.f_globals.get("__name__", "")
        if name.startswith("pytest_signaltrace"):
            counts[name] += 1


sys.addaudithook(hook)
for module in sys.argv[1:]:
    __import__(module)
print(json.dumps(counts))
"""

#: What is still compiled: one ``__new__`` per NamedTuple (``collections.namedtuple``) and the
#: dataclasses of ``scan/files.py`` (its source files and their discovery).
EXPECTED = {
    "pytest_signaltrace.trace.keys": 7,
    "pytest_signaltrace.trace.cascade_keys": 2,
    "pytest_signaltrace.trace.send_patch": 1,
    "pytest_signaltrace.settings.resolve": 1,
    # one compile per method up to Python 3.12, one per class (of all its methods) from 3.13 on
    "pytest_signaltrace.scan.files": 9 if sys.version_info < (3, 13) else 2,
}


def _compiles() -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", COUNT_COMPILES, *MODULES],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.splitlines()[-1]))


def test_the_test_process_modules_compile_only_what_is_left() -> None:
    compiles = _compiles()
    # No NamedTuple or TypedDict compiles its annotations; the scan's facts, byte facts, units
    # and names and the trace's signal entries are records.
    assert compiles == EXPECTED, compiles
