"""What the scan reads from one file's bytes before parsing, learned once per content.

Each answer here depends on the file's bytes alone (never on other files), so it can be kept
with the file's size and modification time (:mod:`.statindex`) and a warm scan need not read
the file at all: the content hash (the facts cache's key and the naming plan's), why the file
cannot be scanned, its imports (the naming plan), and the prefilter's and the subclass check's
answers in a form that the other files' facts complete later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pytest_signaltrace.scan import prefilter
from pytest_signaltrace.scan.naming import read_imports


@dataclass(frozen=True)
class ByteFacts:
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


def content_digest(data: bytes) -> str:
    """The hash of a file's bytes that every cache key of its content is made from."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()


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
