"""Run the stale-deal sweep now, synchronously (the same service the daily job calls)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from coaching.stale.services import flags_sweep


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = "Raise and clear stale and decaying deal flags; print how many were raised, cleared and are open."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (default today)")

    def handle(self, *args, as_of=None, **options):
        result = flags_sweep(as_of=as_of)
        if result.skipped:
            self.stdout.write(f"Another sweep is running; nothing done for {result.as_of}.")
            return
        self.stdout.write(
            f"Swept open deals as of {result.as_of}: raised {result.raised}, "
            f"cleared {result.cleared}, open {result.open}."
        )
        for kind, raised in result.raised_by_kind.items():
            cleared = result.cleared_by_kind.get(kind, 0)
            if raised or cleared:
                self.stdout.write(f"  {kind}: raised {raised}, cleared {cleared}")
