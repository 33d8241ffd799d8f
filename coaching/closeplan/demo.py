"""Demo close plans for the seeded pipeline (called by `seed_demo`).

Deterministic and idempotent: every open demo deal from Evaluate onward with a
customer go-live date gets a plan from the default template, with the
milestones its stage implies already done; the later-stage ones are shared and
validated by the buyer, and one was changed afterwards, so every badge of the
plan pages can be seen.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import Stakeholder
from deals.models import Opportunity

from .buyer_services import buyer_comment
from .models import BuyerAccess, ClosePlan
from .schedule import BusinessCalendar
from .selectors import buyer_role_on_deal, holiday_dates
from .services import (
    milestone_mark_done,
    milestone_update,
    plan_create_from_template,
    plan_validate_by_buyer,
    share_link_create,
)

logger = logging.getLogger("dealcoach.closeplan")

# Milestones a deal in this stage has normally finished.
DONE_BY_STAGE = {
    "evaluate": (),
    "propose": ("evaluation", "reference_check"),
    "negotiate": ("evaluation", "reference_check", "vendor_selected", "executive_approval"),
}
WHY_BY_STAGE = {
    "evaluate": "Their current contract ends that month; renewing it costs a full year.",
    "propose": "The new region opens that quarter and needs the system from day one.",
    "negotiate": "The board expects the savings in this fiscal year's results.",
}


@transaction.atomic
def demo_close_plans(*, as_of: dt.date | None = None) -> int:
    """Create the demo plans; returns how many were created."""
    as_of = as_of or timezone.localdate()
    calendar = BusinessCalendar(holiday_dates())
    deals = (
        Opportunity.objects.alive()
        .filter(external_id__startswith="demo-opp-", status="open", go_live_date__isnull=False)
        .filter(stage__slug__in=DONE_BY_STAGE, close_plan__isnull=True)
        .select_related("stage", "owner", "account")
        .order_by("external_id")
    )
    created = 0
    for index, deal in enumerate(deals):
        stage = deal.stage.slug
        plan = plan_create_from_template(
            actor=deal.owner,
            opportunity=deal,
            go_live_date=deal.go_live_date,
            why_go_live_matters=WHY_BY_STAGE[stage],
        )
        done = DONE_BY_STAGE[stage]
        for position, key in enumerate(done):
            # Finished a few business days apart before the demo date, oldest first.
            done_on = calendar.offset(as_of, -(len(done) - position) * 3, roll="backward")
            done_on = min(done_on, timezone.localdate())
            milestone_mark_done(actor=deal.owner, plan=plan, key=key, done_on=done_on)
        people = deal.account.stakeholders.alive().order_by("name")
        buyer = people.filter(seniority__in=Stakeholder.SENIOR).first() or people.first()
        if buyer is not None:
            milestone_update(actor=deal.owner, plan=plan, key="executive_approval", data={"owner": buyer})
        if stage == "negotiate" or (stage == "propose" and index % 2 == 0):
            plan.refresh_from_db()
            link, _ = share_link_create(actor=deal.owner, plan=plan)
            role = buyer_role_on_deal(opportunity_id=deal.pk, stakeholder_id=buyer.pk) if buyer else ""
            plan_validate_by_buyer(
                link=link, name=buyer.name if buyer else "The buyer", seen_version=plan.version,
                stakeholder=buyer, role=role,
            )
            if buyer is not None and buyer.email and index % 4 == 1:  # a customer waiting on the rep
                access = BuyerAccess.objects.create(
                    link=link, stakeholder=buyer, email=buyer.email.lower(), verified_at=timezone.now()
                )
                buyer_comment(access=access, body="Could legal review start earlier? Our counsel is free next week.",
                              milestone_key="legal_review")
            if index % 3 == 0:  # a change after the buyer confirmed: "changed since validation"
                milestone_update(actor=deal.owner, plan=plan, key="legal_review", data={"duration_days": 15})
        created += 1
    logger.info("demo: %s close plans", created)
    return created


def demo_has_plans() -> bool:
    return ClosePlan.objects.filter(opportunity__external_id__startswith="demo-opp-").exists()
