"""A deal's propensity to close: the rule, and the same figure for one deal and in SQL."""

import datetime as dt

import pytest
from django.utils import timezone

from deals.models import Opportunity
from deals.propensity import deal_propensity, propensity, propensity_expression
from tests.factories import OpportunityFactory, stage


def test_it_halves_propensity_every_half_life():
    assert propensity(probability_percent=60, days_since_senior=0, half_life_days=45) == pytest.approx(0.6)
    assert propensity(probability_percent=60, days_since_senior=45, half_life_days=45) == pytest.approx(0.3)
    assert propensity(probability_percent=60, days_since_senior=90, half_life_days=45) == pytest.approx(0.15)


def test_it_decays_smoothly_between_half_lives():
    value = propensity(probability_percent=40, days_since_senior=46, half_life_days=45)
    assert value == pytest.approx(0.4 * 0.5 ** (46 / 45))
    assert 0.19 < value < 0.2


def test_it_treats_engagement_after_the_as_of_date_as_today():
    assert propensity(probability_percent=80, days_since_senior=-3, half_life_days=45) == pytest.approx(0.8)


def test_it_refuses_a_half_life_that_is_not_positive():
    with pytest.raises(ValueError, match="half-life"):
        propensity(probability_percent=80, days_since_senior=3, half_life_days=0)


@pytest.mark.django_db
@pytest.mark.parametrize("half_life", [45, 7])
def test_one_deal_and_the_sql_expression_give_the_rule(alice, settings, half_life):
    settings.DEALCOACH_DECAY_HALF_LIFE_DAYS = half_life
    today = timezone.localdate()
    now = timezone.now()
    deals = [
        OpportunityFactory(account__owner=alice, owner=alice, stage=stage("propose"),
                           last_senior_engagement_at=now - dt.timedelta(days=days))
        for days in (0, 1, 46, 90, 400)
    ]
    never = OpportunityFactory(account__owner=alice, owner=alice, stage=stage("qualify"))
    Opportunity.objects.filter(pk=never.pk).update(created_at=now - dt.timedelta(days=30))
    future = OpportunityFactory(account__owner=alice, owner=alice, last_senior_engagement_at=now + dt.timedelta(days=3))
    in_sql = dict(Opportunity.objects.annotate(p=propensity_expression(as_of=today)).values_list("pk", "p"))
    for deal in Opportunity.objects.select_related("stage"):
        since = deal.last_senior_engagement_at or deal.created_at
        expected = propensity(probability_percent=deal.stage.probability,
                              days_since_senior=(today - timezone.localdate(since)).days, half_life_days=half_life)
        assert deal_propensity(deal) == pytest.approx(expected, rel=1e-12)
        assert in_sql[deal.pk] == pytest.approx(expected, rel=1e-12)
    assert in_sql[future.pk] == pytest.approx(future.stage.probability / 100)
    assert len(in_sql) == len(deals) + 2


@pytest.mark.django_db
def test_a_closed_or_deleted_deal_has_none(alice):
    won = OpportunityFactory(account__owner=alice, owner=alice, status="won", forecast_category="closed")
    gone = OpportunityFactory(account__owner=alice, owner=alice, deleted_at=timezone.now())
    assert won.propensity is None and gone.propensity is None
    assert OpportunityFactory(account__owner=alice, owner=alice).propensity is not None
