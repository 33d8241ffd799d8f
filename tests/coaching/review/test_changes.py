"""What changed since last week, from last week's snapshot and, for deals
without one, from the field history."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from coaching.review.services import pipeline_snapshot_take
from deals.services import opportunity_update
from tests.coaching.review.conftest import LAST_WEEK, at
from tests.coaching.review.helpers import deal, review_for
from tests.factories import stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_weeks_deals(alice):
    """Three deals as they were on Monday of last week, snapshotted then."""
    with time_machine.travel(at(LAST_WEEK, 6), tick=False):
        deals = {
            "slipper": deal(alice, amount=300000, stage_slug="propose", expected_close_date=dt.date(2025, 6, 30)),
            "shrinker": deal(alice, amount=200000, stage_slug="evaluate"),
            "winner": deal(alice, amount=100000, stage_slug="negotiate"),
            "quiet": deal(alice, amount=50000),
        }
        pipeline_snapshot_take(week=LAST_WEEK)
    return deals


def kinds_by_name(changes):
    return {row.opportunity.name: set(row.kinds) for row in changes.rows}


def test_it_finds_slips_amount_changes_regressions_wins_and_new_deals(alice, bob, last_weeks_deals, frozen_today):
    d = last_weeks_deals
    opportunity_update(actor=alice, opportunity=d["slipper"], data={
        "expected_close_date": dt.date(2025, 7, 31), "stage": stage("evaluate")})
    opportunity_update(actor=alice, opportunity=d["shrinker"], data={"amount": Decimal("150000")})
    opportunity_update(actor=alice, opportunity=d["winner"], data={"status": "won"})
    fresh = deal(alice, amount=10)

    changes = review_for(bob, frozen_today).changes
    kinds = kinds_by_name(changes)

    assert kinds[d["slipper"].name] == {"slipped", "stage_back"}
    assert kinds[d["shrinker"].name] == {"amount"}
    assert kinds[d["winner"].name] == {"won"}
    assert kinds[fresh.name] == {"new"}
    assert d["quiet"].name not in kinds
    assert changes.counts == {"new": 1, "won": 1, "lost": 0, "slipped": 1, "amount": 1, "stage_back": 1}
    slipper = next(row for row in changes.rows if row.opportunity.pk == d["slipper"].pk)
    assert slipper.opportunity.prev_close == dt.date(2025, 6, 30)


def test_it_counts_every_slip_in_a_deals_history_but_not_pull_ins(alice, bob, frozen_today):
    with time_machine.travel(at(dt.date(2025, 4, 1)), tick=False):
        slipper = deal(alice, expected_close_date=dt.date(2025, 6, 30))
    for day, close in ((dt.date(2025, 5, 1), dt.date(2025, 7, 15)), (dt.date(2025, 5, 8), dt.date(2025, 7, 1))):
        with time_machine.travel(at(day), tick=False):
            opportunity_update(actor=alice, opportunity=slipper, data={"expected_close_date": close})
    opportunity_update(actor=alice, opportunity=slipper, data={"expected_close_date": dt.date(2025, 8, 1)})

    row = next(r for r in review_for(bob, frozen_today).changes.rows if r.opportunity.pk == slipper.pk)

    assert row.kinds == ("slipped",)
    assert row.slip_count == 2  # 30 Jun -> 15 Jul and 1 Jul -> 1 Aug; 15 Jul -> 1 Jul was a pull-in


def test_it_falls_back_to_field_history_without_a_snapshot(alice, bob, frozen_today):
    with time_machine.travel(at(dt.date(2025, 5, 1)), tick=False):
        old = deal(alice, amount=80000, stage_slug="propose", expected_close_date=dt.date(2025, 6, 20))
    with time_machine.travel(at(dt.date(2025, 5, 10)), tick=False):
        opportunity_update(actor=alice, opportunity=old, data={"expected_close_date": dt.date(2025, 6, 25)})
    opportunity_update(actor=alice, opportunity=old, data={
        "expected_close_date": dt.date(2025, 7, 15), "stage": stage("discover")})

    changes = review_for(bob, frozen_today).changes
    row = next(r for r in changes.rows if r.opportunity.pk == old.pk)

    assert set(row.kinds) == {"slipped", "stage_back"}
    assert row.slip_count == 2


def test_it_lists_slips_per_week(alice, bob, frozen_today):
    slipper = deal(alice, expected_close_date=dt.date(2025, 7, 1))
    with time_machine.travel(at(dt.date(2025, 5, 28)), tick=False):
        opportunity_update(actor=alice, opportunity=slipper, data={"expected_close_date": dt.date(2025, 7, 10)})
    opportunity_update(actor=alice, opportunity=slipper, data={"expected_close_date": dt.date(2025, 7, 20)})

    weeks = dict(review_for(bob, frozen_today).slips)

    assert len(weeks) == 12
    assert weeks[dt.date(2025, 5, 26)] == 1
    assert weeks[dt.date(2025, 6, 9)] == 1
    assert sum(weeks.values()) == 2
