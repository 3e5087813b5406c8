"""The files that call a project's connect wrapper imported from another file.

A wrapper defined beside its calls is seen by the file's own cut (:func:`.triggers.wrapper_names`);
one imported (``from tests.helpers import listen_to``) is known only once the file defining it
is parsed. The files that import it are then parsed again with its name (their facts are cached
under that name too), told from the imports their bytes already gave: no file is read again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from pytest_signaltrace.scan.bytefacts import ByteFacts
from pytest_signaltrace.scan.facts import ModuleFacts


class _Source(Protocol):
    @property
    def relpath(self) -> str: ...

    @property
    def facts(self) -> ByteFacts: ...


def wrapper_callers(
    sources: Iterable[_Source], facts: Mapping[str, ModuleFacts]
) -> dict[str, tuple[str, ...]]:
    """For each file (by ``relpath``) whose absolute imports name a module-level connect
    wrapper of ``facts`` or the wrapper's module, the names of the wrappers it may call."""
    modules: dict[str, set[str]] = {}
    dotted: dict[str, str] = {}
    for found in facts.values():
        for qualname in found.forwarders:
            if "." not in qualname:  # a method is called on an object, by its own name
                modules.setdefault(found.module, set()).add(qualname)
                dotted[f"{found.module}.{qualname}"] = qualname
    if not dotted:
        return {}
    callers: dict[str, tuple[str, ...]] = {}
    for source in sources:
        names = source.facts.imports
        wrappers = {dotted[name] for name in names if name in dotted}
        wrappers.update(w for name in names for w in modules.get(name, ()))
        if wrappers:
            callers[source.relpath] = tuple(sorted(wrappers))
    return callers
