"""Run a Python command in ``signaltrace run``'s own process, as ``coverage run`` does.

``signaltrace run -- python runtests.py ...`` would start a second interpreter for the command
and wait for it: about 90 M instructions of start-up (and the root's trace written to a
fragment, read back and merged) on top of what the command costs. When the command is *this*
interpreter running a script or a module, and neither this process nor the command passes an
interpreter option, the script runs here instead: :func:`python_program` recognises such a
command, :func:`run_program` runs it as ``python`` would (``sys.argv``, ``sys.path[0]``, a
``__main__`` module of its own, its exit status, its traceback) and never returns.

Anything else (another interpreter, ``python -X dev``, ``-c``, ``-I`` or ``-S``, a folder or
a zip file to run, a shell) keeps the child process.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from types import ModuleType, TracebackType
from typing import NoReturn

from pytest_signaltrace.record import Record

#: The names under which a virtual environment or an installation calls its interpreter.
_PYTHON_NAME = re.compile(r"python(3(\.\d+)?)?(\.exe)?", re.IGNORECASE)


class PythonProgram(Record):
    """A command that this interpreter can run in its own process."""

    #: ``"path"`` (``python FILE ...``) or ``"module"`` (``python -m MODULE ...``).
    kind: str
    #: The file's path, as given, or the module's name.
    target: str
    #: The program's arguments (``sys.argv[1:]``).
    args: tuple[str, ...]
    #: The command's interpreter as the shell found it (``sys.executable`` for the program).
    interpreter: str = ""


def python_program(
    command: Sequence[str],
    executable: str | None = None,
    interpreter_argv: Sequence[str] | None = None,
) -> PythonProgram | None:
    """The program ``command`` runs when it is ``executable`` (this interpreter, by default)
    running a script file or a module without any interpreter option, and this process was
    started without one either (``interpreter_argv``: by default ``sys.orig_argv``); else
    ``None``."""
    executable = sys.executable if executable is None else executable
    interpreter_argv = sys.orig_argv if interpreter_argv is None else interpreter_argv
    if not executable or len(command) < 2 or not _no_options(interpreter_argv):
        return None
    if sys.flags.inspect:  # PYTHONINSPECT: python goes on to its prompt after the program
        return None
    interpreter = _same_interpreter(command[0], executable)
    if interpreter is None:
        return None
    if command[1] == "-m":
        if len(command) < 3 or not command[2] or command[2].startswith("-"):
            return None
        return PythonProgram("module", command[2], tuple(command[3:]), interpreter)
    if command[1].startswith("-") or not os.path.isfile(command[1]):
        return None  # an option, standard input or a folder: the interpreter's
    if not _source_file(command[1]):
        return None  # a zip application or compiled bytecode: the interpreter's
    return PythonProgram("path", command[1], tuple(command[2:]), interpreter)


#: How far from its end a zip file's directory may start (its comment is at most 64 KiB).
_ZIP_TAIL = 65_536 + 22


def _source_file(path: str) -> bool:
    """Whether ``path`` looks like Python source, as opposed to what else ``python FILE`` runs:
    a zip application (``.pyz``, a shebang line and a zip) or a ``.pyc``. Source holds no NUL
    byte and no zip directory; the check errs towards the child process, which runs anything."""
    if path.endswith(".pyc"):  # bytecode by its name alone, for python
        return False
    try:
        with open(path, "rb") as file:
            head = file.read(4096)
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - _ZIP_TAIL))
            tail = file.read()
    except OSError:
        return False
    return b"\0" not in head and b"PK\x05\x06" not in tail


def _no_options(interpreter_argv: Sequence[str]) -> bool:
    """Whether the interpreter was started as ``python SCRIPT ...`` or ``python -m M ...``."""
    return len(interpreter_argv) >= 2 and (
        interpreter_argv[1] == "-m" or not interpreter_argv[1].startswith("-")
    )


def _same_interpreter(name: str, executable: str) -> str | None:
    """The path of ``name`` (as a shell finds it on ``PATH``) when it starts ``executable``: the
    same file, in the same folder (another virtual environment's ``python`` is the same file,
    but not the same installation); else ``None``."""
    path = _which(name)
    if path is None or not _PYTHON_NAME.fullmatch(os.path.basename(path)):
        return None
    here = os.path.abspath(executable)
    if os.path.dirname(path) != os.path.dirname(here):
        return None
    try:
        return path if os.path.samefile(path, here) else None
    except OSError:
        return None


def _which(name: str) -> str | None:
    """The absolute path the shell would run for ``name`` (``shutil.which``'s rule, without
    importing ``shutil``)."""
    if os.sep in name or (os.altsep and os.altsep in name):
        return os.path.abspath(name) if os.access(name, os.X_OK) else None
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(folder or os.curdir, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    return None


def run_program(program: PythonProgram) -> NoReturn:
    """Run ``program`` here as its interpreter would, then leave as it would: with its
    ``SystemExit`` (status 0 when it returns), its ``KeyboardInterrupt``, or its uncaught
    exception's traceback (without this module's frames) and status 1. The interpreter's exit
    then runs the program's threads and ``atexit`` functions, as ever."""
    main = _fresh_main()
    if program.interpreter:  # python3 from this command's shebang, the program's python
        sys.executable = program.interpreter
    if program.kind == "module":
        import runpy

        sys.argv = [program.target, *program.args]  # runpy sets argv[0] to the module's file
        _set_first_path(os.getcwd())
        run = runpy._run_module_as_main  # type: ignore[attr-defined]  # python -m's own
        _run_guarded(lambda: run(program.target, alter_argv=True))
    sys.argv = [program.target, *program.args]
    # The script's __file__ and code name: absolute, as given (python does not normalise it);
    # its folder on sys.path: the real file's, symbolic links resolved, as python's.
    target = program.target
    path = target if os.path.isabs(target) else os.path.join(os.getcwd(), target)
    _set_first_path(os.path.dirname(os.path.realpath(target)))
    try:  # compile() reads the coding cookie of bytes, as the interpreter does
        with open(path, "rb") as source_file:
            code = compile(source_file.read(), path, "exec", dont_inherit=True)
    except Exception as exc:  # shown as python shows a SyntaxError: no frames
        _display(type(exc), exc.with_traceback(None), None)
        raise SystemExit(1) from None
    from importlib.machinery import SourceFileLoader

    main.__dict__.update(
        __file__=path, __cached__=None, __loader__=SourceFileLoader("__main__", path)
    )
    _run_guarded(lambda: exec(code, main.__dict__))


def _fresh_main() -> ModuleType:
    """A ``__main__`` module as the interpreter makes it before it runs the program (not this
    command's), in ``sys.modules``."""
    import builtins
    from importlib.machinery import BuiltinImporter

    main = ModuleType("__main__")
    main.__dict__.update(
        __annotations__={},
        __builtins__=builtins,  # the module, as in python's __main__ (elsewhere its dict)
        __loader__=BuiltinImporter,
    )
    sys.modules["__main__"] = main
    return main


def _set_first_path(folder: str) -> None:
    """``sys.path[0]`` as the interpreter sets it for the program (it held this command's).

    Under ``PYTHONSAFEPATH`` (``-P``) the interpreter prepends no folder, for the program as
    for this command (the same environment): ``sys.path`` is left as it is."""
    if sys.flags.safe_path:
        return
    if sys.path:
        sys.path[0] = folder
    else:
        sys.path.insert(0, folder)


def _run_guarded(run: Callable[[], object]) -> NoReturn:
    try:
        run()
    except SystemExit:
        raise  # the interpreter's exit handles it as it would have
    except KeyboardInterrupt as exc:
        # Left to the interpreter, which shows it and ends by SIGINT as it would have, but
        # shown from the program's first frame (it would show this command's frames too).
        global _interrupted
        _interrupted = True
        _show_from_program(exc)
        raise
    except BaseException as exc:  # the program's uncaught exception, reported as python does
        # The display reads the exception's own traceback, not the one passed: trim both.
        frames = _program_frames(exc.__traceback__)
        _display(type(exc), exc.with_traceback(frames), frames)
        raise SystemExit(1) from None
    raise SystemExit(0)


#: Whether the program ended with an uncaught ``KeyboardInterrupt``.
_interrupted = False


def keep_interrupted_exit() -> None:
    """After the program's uncaught ``KeyboardInterrupt``: make sure that the interpreter still
    ends by SIGINT once its exit functions have run, as ``python`` would (for an exit function
    that ran after the program's: the one that saves the data).

    The interpreter notes that the code it ran ended with a ``KeyboardInterrupt``, but every
    ``exec()`` of a string since clears that note (``namedtuple`` and ``dataclasses`` run
    such code, and saving the data may import modules that use them): the process would end
    with status 1. An ``exec()`` of a string that raises ``KeyboardInterrupt`` notes it again.
    """
    if not _interrupted:
        return
    with contextlib.suppress(KeyboardInterrupt):
        exec("raise KeyboardInterrupt")


def _show_from_program(exc: BaseException) -> None:
    """Let the interpreter's display of ``exc``, uncaught, start at the program's first frame:
    ``sys.excepthook`` (the program's own, if it set one) is given the trimmed traceback."""
    frames = _program_frames(exc.__traceback__)
    hook = getattr(sys, "excepthook", _MISSING)

    def program_hook(
        kind: type[BaseException], value: BaseException, traceback: TracebackType | None
    ) -> None:
        if value is exc:
            traceback = frames
            value = value.with_traceback(frames)
        _display(kind, value, traceback, hook)

    sys.excepthook = program_hook


#: ``sys.excepthook`` deleted by the program.
_MISSING = object()
#: No hook given to :func:`_display`: the one ``sys.excepthook`` holds then.
_CURRENT = object()


def _display(
    kind: type[BaseException],
    value: BaseException,
    traceback: TracebackType | None,
    hook: object = _CURRENT,
) -> None:
    """Show an uncaught exception as the interpreter does (``PyErr_Print``): ``sys.last_*``
    set, then ``hook`` (by default ``sys.excepthook``) called, or, where it is missing or
    fails, the interpreter's own lines; never this module's frames."""
    sys.last_type, sys.last_value, sys.last_traceback = kind, value, traceback
    if sys.version_info >= (3, 12):
        sys.last_exc = value
    if hook is _CURRENT:
        hook = getattr(sys, "excepthook", _MISSING)
    if hook is _MISSING:
        _write_stderr("sys.excepthook is missing\n")
        sys.__excepthook__(kind, value, traceback)
        return
    try:
        hook(kind, value, traceback)  # type: ignore[operator]
    except SystemExit:
        raise  # the interpreter exits with it
    except BaseException as error:
        failure = error.__traceback__.tb_next if error.__traceback__ else None
        if error.__context__ is value:  # called while handling it here; python calls it after
            error.__context__ = None
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        _write_stderr("Error in sys.excepthook:\n")
        sys.__excepthook__(type(error), error.with_traceback(failure), failure)
        _write_stderr("\nOriginal exception was:\n")
        sys.__excepthook__(kind, value, traceback)


def _write_stderr(text: str) -> None:
    with contextlib.suppress(Exception):
        sys.stderr.write(text)


def _program_frames(traceback: TracebackType | None) -> TracebackType | None:
    """The traceback without its first frames, this module's: what ``python`` shows (with
    ``runpy``'s own frames for ``-m``, as it shows them)."""
    while traceback is not None and traceback.tb_frame.f_globals is globals():
        traceback = traceback.tb_next
    return traceback
