"""Objects known not to be signals, though they have a ``send`` method.

A ``.send(...)`` call whose object the scan cannot resolve may send any signal, so it makes the
verdicts it could touch "possibly" (issue 22, item 26): ``get_class("gifts.signals", "x")``,
``getattr(signals, kind)``, a parameter. Mail, sockets, channel layers, HTTP clients,
generators and the like send too, and would make every verdict uncertain: they are known here,
by the module their class comes from or, when the object is a bare name, by its name.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pytest_signaltrace import frameworks

if TYPE_CHECKING:
    from pytest_signaltrace.scan.facts import Ref
    from pytest_signaltrace.scan.resolver_view import ResolverView

#: Modules (and packages) whose objects' ``send`` is not a signal's (and the frameworks' own,
#: :attr:`~pytest_signaltrace.frameworks.Framework.lookalike_modules`).
NOT_SIGNAL_MODULES = (
    "aiohttp", "aiosmtplib", "anymail", "asyncio", "boto3", "botocore", "channels",
    "email", "firebase_admin", "ftplib", "http", "httpx",
    "imaplib", "kombu", "multiprocessing", "paramiko", "pika", "pusher", "queue", "redis",
    "requests", "slack_sdk", "smtplib", "socket", "ssl", "starlette", "subprocess", "telegram",
    "twilio", "urllib", "urllib3", "websocket", "websockets", "zmq",
)  # fmt: skip

#: The last name of an object that says it is not a signal (``self.mail``, ``sock``,
#: ``channel_layer``, ``gen``): mail, sockets, channels, HTTP clients, generators, queues,
#: event dispatchers and worker pools.
NOT_SIGNAL_NAME = re.compile(
    r"(?i)^_*(?:\w+_)?(?:e?mail|mailer|message|msg|smtp|sms|sock|socket|conn|connection"
    r"|channel|channel_layer|layer|ws|websocket|client|http|session|response|gen|generator"
    r"|coro|coroutine|producer|consumer|pipe|queue|transport|protocol|server|writer|stream"
    r"|proc|process|bot|notifier|notification|push|webhook|api|email_message|dispatcher"
    r"|eventer|evt|node|publisher|worker|pool)s?$"
)
_NAME = re.compile(r"(\w+)\W*$")


def is_not_signal_target(dotted: str) -> bool:
    """Whether a resolved dotted name comes from a module whose ``send`` is not a signal's."""
    modules = (*NOT_SIGNAL_MODULES, *frameworks.catalogue().lookalike_modules)
    return any(dotted == m or dotted.startswith(m + ".") for m in modules)


def is_not_signal_name(text: str) -> bool:
    """Whether an object written as ``text`` is named like something that is not a signal.

    The last name counts (``self.mail`` -> ``mail``); a name that says it is a signal
    (``mail_signal``) is never one of them.
    """
    found = _NAME.search(text)
    if found is None:
        return False
    name = found.group(1)
    return "sig" not in name.lower() and NOT_SIGNAL_NAME.match(name) is not None


def is_not_signal(ref: Ref, resolver: ResolverView) -> bool:
    """Whether ``ref`` is known not to be a signal: an object of a mail, socket, HTTP ...
    library, or an instance of a class of the scanned source that is not a signal class
    (``Mailer().send()``, ``self.send()`` in a channels consumer)."""
    if ref.target is None:
        return False
    canonical = resolver.canonical(ref.target)
    if is_not_signal_target(canonical):
        return True
    module, rest = resolver.split_module(canonical)
    facts = resolver.facts_of(module) if module else None
    return (
        facts is not None
        and ".".join(rest) in facts.classes
        and resolver.signal_class_framework(canonical) is None
    )
