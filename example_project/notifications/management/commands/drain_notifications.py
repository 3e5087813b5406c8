"""``manage.py drain_notifications``: deliver queued notifications until SIGTERM."""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from notifications.channels import sms
from notifications.models import Notification


class Command(BaseCommand):
    help = "Deliver pending customer notifications by SMS until stopped with SIGTERM."

    running = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Deliver one batch and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        # An OS signal handler, not a Django signal.
        previous = signal.signal(signal.SIGTERM, self.stop)
        try:
            while self.running:
                self.stdout.write(f"delivered {self.deliver_pending()}")
                if options["once"]:
                    break
                time.sleep(1)
        finally:
            signal.signal(signal.SIGTERM, previous)

    def stop(self, signum: int, frame: FrameType | None) -> None:
        self.running = False

    def deliver_pending(self) -> int:
        pending = Notification.objects.filter(kind="customer", delivered=False)
        for notification in pending:
            sms.send(notification.message)
        return pending.update(delivered=True)
