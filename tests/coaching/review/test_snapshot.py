"""The weekly snapshot: set-based, one row per week and deal, safe to rerun."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from coaching.review.models import PipelineSnapshot
from coaching.review.tasks import pipeline_snapshot_take as snapshot_task
from deals.models import Opportunity
from tests.coaching.review.conftest import LAST_WEEK, THIS_WEEK
from tests.coaching.review.helpers import deal

pytestmark = pytest.mark.django_db


def test_it_records_every_open_deal_as_it_stands(alice, charlie, frozen_today):
    # One half-life (45 days) without senior engagement: 60% → 30%.
    mine = deal(alice, amount=1234, currency="EUR", stage_slug="propose", forecast_category="commit",
                last_senior_engagement_at=timezone.now() - dt.timedelta(days=45))
    deal(charlie)
    deal(alice, status="lost", lost_reason="No budget", forecast_category="omitted")
    gone = deal(alice)
    gone.mark_deleted()
    gone.save()

    added = snapshot_task.delay(week=frozen_today.isoformat()).get()

    assert added == 2
    row = PipelineSnapshot.objects.get(opportunity=mine)
    assert row.week == THIS_WEEK  # moved to Monday
    assert (row.amount, row.currency, row.stage.slug, row.status, row.forecast_category) == (
        Decimal("1234.00"), "EUR", "propose", "open", "commit")
    assert row.propensity == pytest.approx(0.3)
    assert row.owner == alice and row.expected_close_date == mine.expected_close_date


def test_it_is_idempotent_and_keeps_the_first_take(alice, frozen_today):
    first = deal(alice, amount=100)
    from coaching.review.services import pipeline_snapshot_take

    assert pipeline_snapshot_take(week=LAST_WEEK) == 1
    Opportunity.objects.filter(pk=first.pk).update(amount=999)
    late_comer = deal(alice)

    assert pipeline_snapshot_take(week=LAST_WEEK + dt.timedelta(days=3)) == 1  # only the new deal

    assert PipelineSnapshot.objects.filter(week=LAST_WEEK).count() == 2
    assert PipelineSnapshot.objects.get(opportunity=first).amount == 100
    assert PipelineSnapshot.objects.filter(opportunity=late_comer).exists()
    assert pipeline_snapshot_take(week=LAST_WEEK) == 0
