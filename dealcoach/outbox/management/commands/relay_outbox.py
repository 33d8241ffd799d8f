"""python manage.py relay_outbox [--once] — publish outbox messages to the broker.

Runs next to the web app and the worker (`make serve`, docker-compose). While
Redis is down it keeps the messages and retries every few seconds; nothing is
lost and nothing waits on it but the messages themselves."""

import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from dealcoach.outbox.services import outbox_prune, outbox_relay


class Command(BaseCommand):
    help = "Publish undispatched outbox messages to the Celery broker (loop; --once for one pass)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit (non-zero if the broker is down).")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between passes when idle.")

    def handle(self, *args, once=False, interval=1.0, **options):
        if once:
            total = 0
            try:
                while published := outbox_relay():
                    total += published
            except Exception as exc:
                raise CommandError(f"broker unavailable after {total} published: {exc}") from exc
            self.stdout.write(f"published {total}")
            return
        self._stop = False
        signal.signal(signal.SIGTERM, self._request_stop)
        signal.signal(signal.SIGINT, self._request_stop)
        backoff, last_prune = interval, 0.0
        self.stdout.write("relay_outbox: running")
        while not self._stop:
            close_old_connections()
            try:
                published = outbox_relay()
                backoff = interval
            except Exception as exc:
                self.stderr.write(f"relay_outbox: {type(exc).__name__}: {exc}; retrying in {backoff:.0f}s")
                published, backoff = 0, min(backoff * 2, 5.0)
            if time.monotonic() - last_prune > 3600:
                outbox_prune()
                last_prune = time.monotonic()
            if not published:
                time.sleep(backoff)
        self.stdout.write("relay_outbox: stopped")

    def _request_stop(self, signum, frame):
        self._stop = True
