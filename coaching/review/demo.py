"""The review's part of the demo: last week's and this week's pipeline
snapshots, with last week's rows set back so that "what changed since last
week" has something of every kind to show (a few slips, a price cut, a stage
moved back, new deals, a win and a loss), consistent with the field history.
Called by `seed_demo` after the deals exist. Deterministic."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dealcoach.models import ExchangeRate
from deals.models import Opportunity, OpportunityFieldChange, Stage

from .models import PipelineSnapshot
from .periods import week_start
from .services import pipeline_snapshot_take


@transaction.atomic
def demo_snapshots(*, as_of: dt.date | None = None) -> int:
    as_of = as_of or timezone.localdate()
    this_week = week_start(as_of)
    last_week = this_week - dt.timedelta(days=7)
    pipeline_snapshot_take(week=last_week)
    rows = {
        row.opportunity.external_id: row
        for row in PipelineSnapshot.objects.filter(week=last_week, opportunity__external_id__startswith="demo-opp-")
        .select_related("opportunity", "stage")
    }
    ids = sorted(rows, key=lambda external_id: int(external_id.rsplit("-", 1)[1]))
    stages = list(Stage.objects.order_by("order"))
    changed_at = timezone.make_aware(dt.datetime.combine(as_of - dt.timedelta(days=1), dt.time(11)))
    history = []
    for external_id in ids[2:22:6]:  # close dates pushed out this week
        row = rows[external_id]
        deal = row.opportunity
        if deal.expected_close_date:
            row.expected_close_date = deal.expected_close_date - dt.timedelta(days=28)
            history.append(OpportunityFieldChange(
                opportunity=deal, field="expected_close_date", old_value=row.expected_close_date.isoformat(),
                new_value=deal.expected_close_date.isoformat(), changed_by=deal.owner, changed_at=changed_at,
            ))
    for external_id in ids[5:30:11]:  # amounts cut
        rows[external_id].amount = rows[external_id].amount * 5 / 4
    for external_id in ids[12:30:9]:  # moved back a stage
        row = rows[external_id]
        later = [s for s in stages if s.order > row.stage.order]
        if later:
            row.stage = later[0]
    PipelineSnapshot.objects.bulk_update(rows.values(), ["expected_close_date", "amount", "stage"])
    OpportunityFieldChange.objects.bulk_create(history)
    # Two deals are new this week: not in last week's snapshot.
    PipelineSnapshot.objects.filter(week=last_week, opportunity__external_id__in=ids[-2:]).delete()
    # The closed demo deals were still open last week.
    closed = Opportunity.objects.filter(external_id__startswith="demo-closed-").exclude(status="open")
    PipelineSnapshot.objects.bulk_create(
        PipelineSnapshot(
            week=last_week, opportunity=deal, owner=deal.owner, stage=deal.stage, amount=deal.amount,
            currency=deal.currency, status="open", forecast_category="commit",
            expected_close_date=deal.expected_close_date, taken_at=timezone.now(),
        )
        for deal in closed
    )
    return pipeline_snapshot_take(week=this_week)


# EUR -> USD, dated: the review uses the latest rate in force on its date, and says which.
DEMO_RATES = (("EUR", "USD", "1.0650", 95), ("EUR", "USD", "1.0820", 25), ("GBP", "USD", "1.2700", 25))


def demo_exchange_rates(*, as_of: dt.date | None = None) -> int:
    """The rates the demo's EUR deals are converted with (idempotent)."""
    as_of = as_of or timezone.localdate()
    for base, quote, rate, days_ago in DEMO_RATES:
        ExchangeRate.objects.update_or_create(
            base_currency=base, quote_currency=quote, valid_from=as_of - dt.timedelta(days=days_ago),
            defaults={"rate": rate, "source": "Demo figure (entered by hand)"},
        )
    return len(DEMO_RATES)
