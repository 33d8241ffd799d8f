"""RSVP fixtures: time frozen on Monday 3 March 2025, and builders for deals
with a political map, activities and anchors."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tests.factories import ActivityFactory, DealRoleFactory, OpportunityFactory, StakeholderFactory

TODAY = dt.date(2025, 3, 3)


@pytest.fixture
def frozen_today():
    with time_machine.travel(dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        yield TODAY


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def well_covered_deal(*, account=None, owner=None, stage_slug: str = "negotiate", **fields):
    """A deal with an engaged economic buyer, a champion, three engaged
    stakeholders, an indirect strategy, a quantified value and all anchors
    (no close plan: add one with the close-plan services when needed)."""
    from deals.models import Stage

    kwargs = {"account": account} if account else {}
    opportunity = OpportunityFactory(
        **kwargs,
        stage=Stage.objects.get(slug=stage_slug),
        amount=Decimal("120000"),
        expected_close_date=TODAY + dt.timedelta(days=60),
        go_live_date=TODAY + dt.timedelta(days=180),
        budget_status="approved",
        budget_amount=Decimal("150000"),
        compelling_event="The new CFO reports a reliable forecast to the board in Q3.",
        consequence_if_missed="The expansion is delayed a year.",
        success_criteria="Forecast error under 10% two quarters after go-live.",
        business_value="Forecast error from 30% to 10%: about $400k a year in stock, per the CFO.",
        competitors=["do nothing", "Acme Forecast"],
        strategy="indirect",
        strategy_notes="Make forecast accuracy the criterion; Acme has no answer to it.",
        **({"owner": owner} if owner else {}),
        **fields,
    )
    account = opportunity.account
    cfo = StakeholderFactory(account=account, name="Erin Ames", title="CFO", seniority="c_level")
    champion = StakeholderFactory(account=account, name="Chad Roe", title="Head of Planning", seniority="director")
    it = StakeholderFactory(account=account, name="Tess Lin", title="IT Manager", seniority="manager")
    DealRoleFactory(opportunity=opportunity, stakeholder=cfo, role="economic_buyer", stance="advocate", strength=4)
    DealRoleFactory(opportunity=opportunity, stakeholder=champion, role="champion", stance="advocate", strength=5)
    DealRoleFactory(opportunity=opportunity, stakeholder=it, role="technical_buyer", stance="supporter",
                    influence="medium", strength=3)
    ActivityFactory(opportunity=opportunity, occurred_at=at(TODAY - dt.timedelta(days=12)), stakeholders=[cfo, champion])
    ActivityFactory(opportunity=opportunity, kind="demo", occurred_at=at(TODAY - dt.timedelta(days=5)),
                    stakeholders=[champion, it])
    return opportunity


def empty_deal(**fields):
    return OpportunityFactory(expected_close_date=None, **fields)
