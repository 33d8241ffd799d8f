"""Close-plan fixtures: time frozen on Monday 2 June 2025 (09:00 UTC), and
alice's deal with a plan built from the default template, going live on
Monday 15 September 2025 (see test_schedule for the hand-computed dates)."""

import datetime as dt

import pytest
import time_machine

from coaching.closeplan.services import plan_create_from_template
from tests.factories import StakeholderFactory

TODAY = dt.date(2025, 6, 2)
GO_LIVE = dt.date(2025, 9, 15)


@pytest.fixture
def frozen_today():
    with time_machine.travel(dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        yield TODAY


@pytest.fixture
def plan(frozen_today, alice, alice_deal):
    return plan_create_from_template(
        actor=alice,
        opportunity=alice_deal,
        go_live_date=GO_LIVE,
        why_go_live_matters="New fiscal year starts.",
    )


@pytest.fixture
def buyer(alice_deal):
    return StakeholderFactory(account=alice_deal.account, name="Jane Buyer", title="CFO", seniority="c_level")
