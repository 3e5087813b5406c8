"""The places of a recorder's send rows as code refs. A row keeps a place in one of two forms
(see :data:`~pytest_signaltrace.trace.recorder.SendRow`): ``id(code), f_lasti`` from the send
patches' hot path, ``filename, line`` from the rest; both become a ``CodeRef`` with an absolute
filename."""

from __future__ import annotations

from types import CodeType
from typing import Any

from pytest_signaltrace.trace.frames import Site, absolute_filename
from pytest_signaltrace.trace.keys import CodeRef


class Places:
    """Turns the two forms of a send row's places into code refs."""

    def __init__(self, codes: dict[int, CodeType]) -> None:
        self._codes = codes
        self._lines: dict[tuple[int, int], CodeRef] = {}
        # Raw filename -> absolute: abspath + normpath per row was a good part of a snapshot
        # of thousands of rows naming a few dozen files.
        self._files: dict[str, str] = {}

    def at(self, filename: str, line: int) -> CodeRef:
        """The code ref of ``filename`` (made absolute) and ``line``."""
        absolute = self._files.get(filename)
        if absolute is None:
            absolute = self._files[filename] = absolute_filename(filename)
        return CodeRef(absolute, line)

    def code(self, site: Site | None) -> CodeRef | None:
        """The code ref of a ``(filename, line)`` site."""
        return None if site is None else self.at(site[0], site[1])

    def sites(self, row: tuple[Any, ...]) -> tuple[CodeRef | None, CodeRef | None]:
        """The caller's site and the project site of a send ``row``."""
        site = self._place(row[2], row[3])
        project = row[4]
        if project is True:
            return site, site
        if project is None:
            return site, None
        return site, self._place(project[0], project[1])

    def _place(self, where: Any, offset: Any) -> CodeRef | None:
        if where is None or offset is None:
            return None
        if type(where) is not int:
            return self.at(where, offset)
        known = self._lines.get((where, offset))
        if known is None:
            code = self._codes[where]
            known = self.at(code.co_filename, line_at(code, offset))
            self._lines[(where, offset)] = known
        return known


def line_at(code: CodeType, offset: int) -> int:
    """The line of the instruction at byte ``offset`` of ``code``, as ``frame.f_lineno`` says."""
    for start, end, line in code.co_lines():
        if start <= offset < end and line is not None:
            return line
    return code.co_firstlineno
