"""The scan's and the data file's two hash functions, without importing :mod:`hashlib`.

``hashlib`` loads OpenSSL (``_hashlib``) and builds a constructor per algorithm when imported:
about 11 M instructions, paid by ``signaltrace run``'s process on top of the command it traces
(the tree memo's keys; the frameworks' fingerprint does the same). Python's own modules give
the same digests: ``hashlib.blake2b`` *is* ``_blake2.blake2b``, and SHA-256 is SHA-256
whichever module computes it. Where a build lacks them
(``--without-builtin-hashlib-hashes``), ``hashlib``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the same functions, as typeshed types them
    from hashlib import blake2b, sha256
else:
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - a build without the builtin hashes
        from hashlib import blake2b

    try:
        from _sha2 import sha256  # Python 3.12 and later
    except ImportError:
        try:
            from _sha256 import sha256  # Python 3.11
        except ImportError:  # pragma: no cover - a build without the builtin hashes
            from hashlib import sha256

__all__ = ["blake2b", "sha256"]
