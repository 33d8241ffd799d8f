"""Demo coaching history for the seeded pipeline (called by `seed_demo`):
a few closed manager sessions with commitments in every state, so the
review's coaching section and the rep's desk have something to show.
Deterministic; does nothing when demo sessions already exist."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dealcoach.models import User
from deals.models import Opportunity

from .models import CoachingSession, Commitment
from .services import coaching_session_close, coaching_session_open, commitment_add, commitment_close

# (deal external id, days ago the session closed, commitments: (action, due in days from as_of, outcome or None))
DEMO_SESSIONS = [
    ("demo-opp-1", 5, [("Confirm the CFO signs off the business case at the steering group", 6, None)]),
    ("demo-opp-2", 20, [("Map procurement's vendor-onboarding steps with the champion", -4, None),
                        ("Send the quantified business case to the economic buyer", -10, "done")]),
    ("demo-opp-9", 9, [("Find a second contact above the ops manager", 3, None)]),
]


def demo_coaching_sessions(*, as_of: dt.date | None = None) -> int:
    if CoachingSession.objects.filter(opportunity__external_id__startswith="demo-").exists():
        return 0
    as_of = as_of or timezone.localdate()
    manager = User.objects.get(username="maria")
    created = 0
    for external_id, days_ago, commitments in DEMO_SESSIONS:
        deal = Opportunity.objects.filter(external_id=external_id, status="open").select_related("owner").first()
        if deal is None:
            continue
        session = coaching_session_open(actor=manager, opportunity=deal)
        for action, due_in, outcome in commitments:
            # Created "back then", so the due date may already have passed.
            commitment = commitment_add(actor=manager, session=session, action=action, owner=deal.owner,
                                        due_on=timezone.localdate() + dt.timedelta(days=max(due_in, 0)),
                                        dimension="relationships")
            Commitment.objects.filter(pk=commitment.pk).update(due_on=as_of + dt.timedelta(days=due_in))
            if outcome:
                commitment_close(actor=deal.owner, commitment=commitment, status=outcome,
                                 outcome="Sent on Tuesday; the CFO asked for a reference call")
        coaching_session_close(actor=manager, session=session)
        at = timezone.now() - dt.timedelta(days=days_ago)
        # Demo history only: move the session back in time (the service always stamps "now").
        CoachingSession.objects.filter(pk=session.pk).update(opened_at=at - dt.timedelta(minutes=40), closed_at=at)
        created += 1
    return created
