"""What the scan reads from one file's bytes before parsing, learned once per content.

Each answer here depends on the file's bytes alone (never on other files), so it can be kept
with the file's size and modification time (:mod:`.statindex`) and a warm scan need not read
the file at all: the content hash (the facts cache's key and the naming plan's), why the file
cannot be scanned, its imports (the naming plan), and the prefilter's and the subclass check's
answers in a form that the other files' facts complete later.
"""

from __future__ import annotations

import re
import sys

from pytest_signaltrace.record import Record
from pytest_signaltrace.scan import hashes, prefilter

#: Finds the word ``import`` fast (a literal prefix); the line around it is then checked.
_IMPORT_WORD = re.compile(rb"import[ \t(]")
_FROM = re.compile(rb"from[ \t]+(\.*)[ \t]*([A-Za-z_][\w.]*)?[ \t]+import[ \t]*(.*)", re.DOTALL)
_NAME = re.compile(r"[A-Za-z_][\w.]*")
_STDLIB = frozenset(sys.stdlib_module_names)
#: Text without ``#`` or any character ``str.splitlines`` breaks at.
_ONE_LINE = re.compile(rb"[^#\n\r\x0b\x0c\x1c\x1d\x1e]*")
#: The first dotted name of each comma-separated item, as ``_NAME`` matches a stripped item.
_ITEM = re.compile(r"(?:^|,)\s*([A-Za-z_][\w.]*)")


class ByteFacts(Record):
    """What the scan learns from one file's bytes without parsing them."""

    #: :func:`content_digest` of the bytes.
    digest: str
    #: Why the file cannot be scanned (NUL bytes, not valid in its encoding), or ``None``.
    problem: str | None
    #: The dotted names its absolute imports may name, and its deepest relative import level.
    imports: tuple[str, ...]
    level: int
    #: :func:`~.prefilter.may_define`.
    defines: bool
    #: :func:`~.prefilter.use_profile` when :func:`~.prefilter.may_use`, else ``False``.
    use: prefilter.UseProfile
    #: :func:`~.prefilter.class_base_words` (``None``: too many; the check reads the file).
    bases: frozenset[str] | None

    def __init__(
        self,
        digest: str,
        problem: str | None,
        imports: tuple[str, ...],
        level: int,
        defines: bool,
        use: prefilter.UseProfile,
        bases: frozenset[str] | None,
    ) -> None:
        # Written out (one per file of the tree at every scan): see the Record's docstring.
        fields = self.__dict__
        fields["digest"] = digest
        fields["problem"] = problem
        fields["imports"] = imports
        fields["level"] = level
        fields["defines"] = defines
        fields["use"] = use
        fields["bases"] = bases


def content_digest(data: bytes) -> str:
    """The hash of a file's bytes that every cache key of its content is made from."""
    return hashes.blake2b(data, digest_size=20).hexdigest()


def learn(data: bytes, problem: str | None) -> ByteFacts:
    """The :class:`ByteFacts` of ``data``; a file with a ``problem`` is only hashed."""
    digest = content_digest(data)
    if problem is not None:
        return ByteFacts(digest, problem, (), 0, False, False, frozenset())
    imports, level = read_imports(data)
    return ByteFacts(
        digest=digest,
        problem=None,
        imports=imports,
        level=level,
        defines=prefilter.may_define(data),
        use=prefilter.use_profile(data) if prefilter.may_use(data) else False,
        bases=prefilter.class_base_words(data),
    )


def read_imports(data: bytes) -> tuple[tuple[str, ...], int]:
    """The dotted names a file's absolute imports may name, and its deepest relative level.

    ``import a.b`` gives ``a.b``; ``from a.b import c, d`` gives ``a.b``, ``a.b.c`` and
    ``a.b.d`` (``c`` may be a submodule). A name with one part is left out: ``import celery``
    names an installed package as often as a project module, so it says nothing about naming.
    Names under a standard-library module are left out too.
    """
    names: list[str] = []
    level = 0
    seen = -1
    for match in _IMPORT_WORD.finditer(data):
        start = data.rfind(b"\n", 0, match.start()) + 1
        # A statement after a ``;`` (``import os; from shop.signals import x``) starts there.
        start = max(start, data.rfind(b";", start, match.start()) + 1)
        if start == seen:
            continue
        seen = start
        end = data.find(b"\n", match.start())
        line = data[start : len(data) if end < 0 else end].lstrip(b" \t")
        if line.startswith(b"import"):
            imported = line[len(b"import") :].partition(b"#")[0].partition(b";")[0]
            if b"." in imported:  # else every name has one part: none is kept
                names += _names(imported)
            continue
        found = _FROM.match(line) if line.startswith(b"from") else None
        if found is None:
            continue
        dots, module, imported = found.groups()
        if dots:
            level = max(level, len(dots))
        elif module and module.partition(b".")[0].decode("ascii", "replace") not in _STDLIB:
            # (Under a standard-library module, no name of the line would be kept.)
            if imported.startswith(b"(") and b")" not in imported:
                close = data.find(b")", match.start())
                imported = data[match.end() - 1 : len(data) if close < 0 else close]
            imported = imported.partition(b"#")[0] if b"(" not in imported else imported
            base = module.decode("ascii", "replace").rstrip(".")
            names.append(base)
            names += [f"{base}.{name}" for name in _names(imported.strip(b"() \t\r"))]
    return (
        tuple(n for n in names if "." in n and n.partition(".")[0] not in _STDLIB),
        level,
    )


def _names(text: bytes) -> list[str]:
    """The first dotted name of each comma-separated item (``a.b as c, d`` -> ``a.b``, ``d``)."""
    if _ONE_LINE.fullmatch(text):  # no comment, no line break: the items are the text's
        return [name.rstrip(".") for name in _ITEM.findall(text.decode("ascii", "replace"))]
    items = (line.partition("#")[0] for line in text.decode("ascii", "replace").splitlines())
    found = (_NAME.match(item.strip()) for item in ",".join(items).split(","))
    return [m.group().rstrip(".") for m in found if m]
