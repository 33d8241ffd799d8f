"""Load the demo pipeline (idempotent: does nothing when it is already there).

Lives in the top app of the stack (insights) because the demo spans every
app: deals first, then each coaching app adds its part (close plans, answers,
snapshots, a year of closed history, flags)."""

from datetime import date

from django.core.management.base import BaseCommand

from coaching.closeplan.demo import demo_close_plans
from coaching.insights.demo import demo_history
from coaching.review.demo import demo_exchange_rates, demo_snapshots
from coaching.rsvp.demo import demo_answers
from coaching.sessions.demo import demo_coaching_sessions
from coaching.stale.demo import demo_flags
from deals.demo import DEMO_PASSWORD, build_demo_pipeline, demo_exists


class Command(BaseCommand):
    help = "Load a deterministic demo pipeline with demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default today)")

    def handle(self, *args, as_of=None, **options):
        if demo_exists():
            self.stdout.write("Demo data already loaded.")
            return
        counts = build_demo_pipeline(as_of=as_of)
        demo_close_plans(as_of=as_of)  # before the answers, so the RSVP scores see the plans
        demo_answers(as_of=as_of)  # coaching answers, then every deal rescored as of the demo date
        demo_coaching_sessions(as_of=as_of)
        demo_exchange_rates(as_of=as_of)  # the EUR deals convert into the team's USD
        demo_snapshots(as_of=as_of)
        demo_history(as_of=as_of)  # a year of closed deals for Insights (closed: no flags, no rescoring)
        demo_flags(as_of=as_of)  # last: flags every stale deal of the finished demo
        self.stdout.write(
            "Loaded demo: {accounts} accounts, {opportunities} deals, {activities} activities. "
            "Logins (password {password}): maria (manager), rob / rita / raj (reps), admin.".format(
                password=DEMO_PASSWORD, **counts)
        )
