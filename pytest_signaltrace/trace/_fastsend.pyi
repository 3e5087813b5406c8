"""Types of the C extension ``_fastsend.c`` (the send patch's common paths)."""

from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

class FastSend:
    """A recording ``send`` method whose no-receiver path (and, given ``receivers``, a
    ``send_patch.ReceiverTables``, its receiver path) runs in C."""

    active: bool
    original: Callable[..., Any]
    #: Quiet sends counted from the cache of the last quiet counters.
    quiet_hits: int
    #: Sends with receivers counted from the cache of the last rows.
    loud_hits: int
    #: Sends whose signal was remembered as not watched for its senders.
    unwatched_hits: int
    #: Caller frame objects asked for (for the Python side or a walk; every send's caller
    #: without :data:`FRAME_RECORDS`).
    frames_made: int
    __wrapped__: Callable[..., Any]
    def __init__(
        self,
        original: Callable[..., Any],
        live: dict[int, dict[int, Any]],
        record: Callable[[Any, FrameType | None, Any], None],
        failed: Callable[[Any, FrameType | None, BaseException], None],
        receivers: tuple[Any, ...] | None = None,
        nested: Callable[[Any, FrameType | None, int, Any], None] | None = None,
    ) -> None: ...
    def watch_senders(
        self, watched: dict[int, Any], note: Callable[[Any, Any], None]
    ) -> None: ...
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...
    def __get__(self, instance: object, owner: type | None = None) -> Any: ...

#: Whether the caller's code and offset are read without a frame object (CPython 3.11 to 3.13).
FRAME_RECORDS: bool

def nesting_enter(signal: object, /) -> int:
    """Count a traced send of ``signal`` started in this thread; the depth before it."""

def nesting_depth() -> int:
    """How many traced sends run in this thread."""

def nesting_leave() -> None:
    """Count a traced send of this thread finished."""

def nesting_asend(delta: int, /) -> int:
    """Add ``delta`` to the asends in flight; the new number."""

def senders_watched() -> None:
    """A signal starts being watched for its senders (every patch looks the signals up again)."""

def unwatched_set(signal: object, /) -> int:
    """The set of the memo of signals not watched for their senders that ``signal`` is
    remembered in (for the tests)."""

def quiet_set(signal: object, code: CodeType, lasti: int, /) -> int:
    """The set of the quiet-counter cache that remembers sends of ``signal`` from instruction
    ``lasti`` of ``code`` (for the tests)."""
