"""What the stat index keeps of a file's bytes answers exactly as the bytes would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_signaltrace.scan import prefilter
from pytest_signaltrace.scan.bytefacts import content_digest, learn
from pytest_signaltrace.scan.naming import read_imports

#: Pieces of Python that the prefilter and the subclass check look at, and look-alikes.
PIECES = [
    "class ", "Foo", "Bar", "AddView", "Caf\u00e9", "(", ")", "\n", " ", "\t", ",", ".", "#",
    "order_placed", "shipped", "notifier", ".send(", ".connect(", ".disconnect(", ".asend",
    "from shop.signals import ", "from shop.events import ", "from x import (", "import ",
    " as ", "sender=", "weak=", "dispatch_uid=", "@receiver(", "receiver(", "dispatch",
    "signals", "signal", "Signal(", "Signal)", "self.", "x", "1",
]  # fmt: skip
SOURCES = st.lists(st.sampled_from(PIECES), max_size=40).map(lambda p: "".join(p).encode())
NAMES = st.frozensets(st.sampled_from([b"order_placed", b"shipped", b"x", b"Foo", b"post_save"]))
OWNERS = st.sets(st.sampled_from(["Foo", "Bar", "AddView", "Fo", "x"]), max_size=3)


def uses_known_signal_as_it_was(data: bytes, known: set[bytes]) -> bool:
    """The prefilter's answer before it was split in two (the reference)."""
    if b"@receiver(" in data or (b"receiver(" in data and b"dispatch" in data):
        return True
    names = prefilter._used_names(data)
    if prefilter._unknown_send(data):  # a send on an object the bytes cannot name (issue 22.26)
        names.add(prefilter.UNKNOWN_SEND)
    if not names:
        return False
    if names & known or b"signals" in names or b"signal" in names:
        return True
    if prefilter._FROM_SIGNALS_MODULE.search(data):
        return True
    if any(keyword in data for keyword in prefilter._SIGNAL_KEYWORDS):
        return True
    return bool(names & prefilter._imported_names(data))


@settings(max_examples=400, deadline=None)
@given(data=SOURCES, known=NAMES)
def test_the_use_profile_gives_the_prefilter_answer_for_any_known_names(
    data: bytes, known: frozenset[bytes]
) -> None:
    facts = learn(data, None)
    expected = prefilter.may_use(data) and uses_known_signal_as_it_was(data, set(known))
    assert prefilter.profile_uses(facts.use, set(known)) is expected


@settings(max_examples=400, deadline=None)
@given(data=SOURCES, owners=OWNERS)
def test_class_base_words_give_the_subclass_check_answer_for_any_owners(
    data: bytes, owners: set[str]
) -> None:
    words = prefilter.class_base_words(data)
    assert words is not None
    assert prefilter.subclasses_any_of(words, owners) is prefilter.subclasses_any(data, owners)


def test_an_owner_that_is_not_a_plain_word_leaves_the_subclass_check_to_the_bytes() -> None:
    data = "class A(Caf\u00e9):\n    pass\n".encode()
    words = prefilter.class_base_words(data)
    assert words is not None
    assert prefilter.subclasses_any_of(words, {"Caf\u00e9"}) is None
    assert prefilter.subclasses_any_of(words, set()) is False


def test_a_class_statement_that_never_closes_keeps_no_words_past_the_limit() -> None:
    data = b"class A(" + b" ".join(b"w%d" % i for i in range(prefilter.MAX_BASE_WORDS + 1))
    assert prefilter.class_base_words(data) is None
    assert prefilter.class_base_words(data[:200]) is not None


@settings(max_examples=200, deadline=None)
@given(data=SOURCES)
def test_the_other_facts_are_the_bytes_own(data: bytes) -> None:
    facts = learn(data, None)
    assert facts.digest == content_digest(data)
    assert (facts.imports, facts.level) == read_imports(data)
    assert facts.defines is prefilter.may_define(data)


def test_a_file_that_cannot_be_scanned_keeps_only_its_hash_and_why() -> None:
    facts = learn(b"x = 1\0", "contains NUL bytes (binary file?)")
    assert facts.problem == "contains NUL bytes (binary file?)"
    assert (facts.imports, facts.defines, facts.use) == ((), False, False)
