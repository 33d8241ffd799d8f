"""The printable coaching sheet of one deal: everything a manager needs on
one page to coach it — anchors, RSVP with evidence, gaps and questions, the
political map, the customer's timeline, flags and open commitments."""

from __future__ import annotations

import datetime as dt

from coaching.closeplan.selectors import plan_summaries
from coaching.rsvp.selectors import coaching_result_for
from coaching.sessions.selectors import open_commitments_on
from coaching.stale.models import Flag
from deals.models import DealRole, Opportunity
from deals.selectors import close_date_slips


def coaching_sheet_context(*, opportunity: Opportunity, as_of: dt.date) -> dict:
    result = coaching_result_for(opportunity, as_of=as_of)
    dimensions = sorted(
        ((name, dim) for name, dim in result.dimensions.items()), key=lambda item: item[1].score
    )
    roles = list(
        DealRole.objects.filter(opportunity=opportunity).select_related("stakeholder").order_by("role", "id")
    )
    return {
        "opportunity": opportunity,
        "as_of": as_of,
        "coaching": result,
        "dimensions": dimensions,
        "next_gap": result.next_gap,
        "roles": roles,
        "plan": plan_summaries(opportunity_ids=[opportunity.pk], as_of=as_of).get(opportunity.pk),
        "flags": list(Flag.objects.filter(opportunity=opportunity, cleared_at__isnull=True).order_by("raised_at")),
        "commitments": open_commitments_on(opportunity=opportunity),
        "slips": len(close_date_slips(opportunity)),
    }
