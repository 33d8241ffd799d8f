"""Print how many gaps the coaching of the open deals holds, and how much of
it repeats itself (the figures issue 14 set targets for)."""

from datetime import date

from django.core.management.base import BaseCommand

from coaching.rsvp.gap_stats import gap_stats
from coaching.rsvp.selectors import open_coaching_results


class Command(BaseCommand):
    help = "Gap figures of the RSVP coaching of every open deal: per-deal median, duplicates, bare 'Not answered yet.'."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default today)")

    def handle(self, *args, as_of=None, **options):
        stats = gap_stats(result for _, result in open_coaching_results(as_of=as_of))
        for line in stats.lines():
            self.stdout.write(line)
