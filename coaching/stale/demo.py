"""The demo's flags: called last by `seed_demo`, after every app added its part.

The demo deals (deals/demo.py) are built to go stale in every way the sweep
knows, except one: an overdue close-plan milestone needs a close plan. When no
open demo deal has an overdue milestone yet, one deal gets a plan from the
default template whose go-live date is close enough that its early milestones
are already overdue. Then the sweep runs for the demo's as-of date."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from coaching.closeplan.models import Milestone
from coaching.closeplan.services import plan_create_from_template
from deals.models import Opportunity

from .services import SweepResult, flags_sweep

logger = logging.getLogger("dealcoach.stale")

# Go-live this close: implementation alone takes 30 business days, so the
# milestones before it were due weeks ago.
DEMO_GO_LIVE_IN_DAYS = 30


def _ensure_an_overdue_milestone(as_of: dt.date) -> None:
    demo_deals = Opportunity.objects.alive().filter(external_id__startswith="demo-opp-", status="open")
    overdue = Milestone.objects.filter(
        plan__opportunity__in=demo_deals, done_on__isnull=True, latest_finish__lt=as_of
    )
    if overdue.exists():
        return
    deal = (
        demo_deals.filter(close_plan__isnull=True, stage__slug__in=["negotiate", "propose", "evaluate"])
        .select_related("owner").order_by("-stage__order", "external_id").first()
    )
    if deal is None:
        logger.warning("demo: no deal to give an overdue close plan; milestone_overdue will not show")
        return
    plan_create_from_template(
        actor=deal.owner, opportunity=deal, go_live_date=as_of + dt.timedelta(days=DEMO_GO_LIVE_IN_DAYS),
        why_go_live_matters="The customer's new warehouse opens that day; the old system is switched off.",
    )


def demo_flags(*, as_of: dt.date | None = None) -> SweepResult:
    """Make sure the demo can show every flag kind, then sweep."""
    as_of = as_of or timezone.localdate()
    _ensure_an_overdue_milestone(as_of)
    return flags_sweep(as_of=as_of)
