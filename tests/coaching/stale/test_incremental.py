"""A same-day rerun re-evaluates only the deals touched since the last sweep
for that day; a new day, or new rules, sweeps every deal again."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from coaching.stale.models import Flag, SweepRun
from coaching.stale.services import flags_sweep
from deals.models import Opportunity, Stage
from tests.coaching.stale.helpers import at, make_deal, open_flags
from tests.factories import ActivityFactory, DealRoleFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

D = dt.date
AS_OF = D(2025, 6, 2)


def _neglected_deal(owner):
    return make_deal(owner, stage="evaluate", created=D(2025, 1, 1), last_activity=D(2025, 3, 1),
                     close=D(2025, 4, 1))


@pytest.fixture
def clock():
    """Stopped; `clock.shift(...)` moves it on."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def _flag_rows():
    return sorted(Flag.objects.values_list("id", "opportunity_id", "kind", "reason", "raised_at", "cleared_at"))


def test_it_reruns_the_same_day_over_no_deal_when_nothing_changed(alice, bob, clock):
    _neglected_deal(alice), _neglected_deal(bob)
    clock.shift(dt.timedelta(hours=1))
    first = flags_sweep(as_of=AS_OF)
    flags = _flag_rows()

    clock.shift(dt.timedelta(hours=1))
    rerun = flags_sweep(as_of=AS_OF)

    assert (first.incremental, first.deals) == (False, 2)
    assert (rerun.incremental, rerun.deals, rerun.raised, rerun.cleared, rerun.open) == (True, 0, 0, 0, 10)
    assert _flag_rows() == flags
    assert SweepRun.objects.count() == 2


def test_it_picks_up_a_deal_written_after_the_sweep_and_touches_no_other(alice, bob, clock):
    changed, untouched = _neglected_deal(alice), _neglected_deal(bob)
    clock.shift(dt.timedelta(hours=1))
    flags_sweep(as_of=AS_OF)
    untouched_flags = sorted(untouched.flags.values_list("id", "kind", "reason", "raised_at", "cleared_at"))
    untouched_row = Opportunity.objects.filter(pk=untouched.pk).values_list("updated_at", "last_activity_at").get()

    clock.shift(dt.timedelta(hours=1))
    Opportunity.objects.filter(pk=changed.pk).update(
        last_activity_at=at(AS_OF), expected_close_date=D(2025, 9, 1), updated_at=timezone.now()
    )
    rerun = flags_sweep(as_of=AS_OF)

    assert (rerun.incremental, rerun.deals) == (True, 1)
    assert rerun.cleared_by_kind["no_activity"] == 1 and rerun.cleared_by_kind["close_date_passed"] == 1
    assert set(open_flags(changed)) == {"decaying", "single_threaded", "no_decision_maker"}
    assert sorted(untouched.flags.values_list("id", "kind", "reason", "raised_at", "cleared_at")) == untouched_flags
    assert Opportunity.objects.filter(pk=untouched.pk).values_list("updated_at", "last_activity_at").get() == untouched_row


def test_it_picks_up_an_activity_logged_after_the_sweep(alice, bob, clock):
    deal, _other = _neglected_deal(alice), _neglected_deal(bob)
    clock.shift(dt.timedelta(hours=1))
    flags_sweep(as_of=AS_OF)

    clock.shift(dt.timedelta(hours=1))
    champion = StakeholderFactory(account=deal.account, seniority="manager")
    buyer = StakeholderFactory(account=deal.account, seniority="c_level")
    DealRoleFactory(opportunity=deal, stakeholder=buyer, role="economic_buyer")
    ActivityFactory(opportunity=deal, occurred_at=at(AS_OF - dt.timedelta(days=3)), stakeholders=[champion, buyer])
    rerun = flags_sweep(as_of=AS_OF)

    assert (rerun.incremental, rerun.deals) == (True, 1)
    assert not {"single_threaded", "no_decision_maker"} & set(open_flags(deal))


def test_it_clears_the_flags_of_a_deal_closed_after_the_sweep(alice, clock):
    deal = _neglected_deal(alice)
    clock.shift(dt.timedelta(hours=1))
    flags_sweep(as_of=AS_OF)

    clock.shift(dt.timedelta(hours=1))
    Opportunity.objects.filter(pk=deal.pk).update(status="won", updated_at=timezone.now())
    rerun = flags_sweep(as_of=AS_OF)

    assert rerun.incremental and rerun.cleared == 5 and open_flags(deal) == {}


def test_it_sweeps_every_deal_again_for_a_new_day(alice, bob, clock):
    _neglected_deal(alice), _neglected_deal(bob)
    clock.shift(dt.timedelta(hours=1))
    flags_sweep(as_of=AS_OF)
    next_day = flags_sweep(as_of=AS_OF + dt.timedelta(days=1))
    back = flags_sweep(as_of=AS_OF)  # the last sweep was for another day

    assert (next_day.incremental, next_day.deals) == (False, 2)
    assert (back.incremental, back.deals) == (False, 2)


def test_it_sweeps_every_deal_again_when_the_rules_change(alice, clock, settings):
    _neglected_deal(alice)
    clock.shift(dt.timedelta(hours=1))
    flags_sweep(as_of=AS_OF)

    Stage.objects.filter(slug="evaluate").update(rot_days=400)
    after_stage_change = flags_sweep(as_of=AS_OF)
    settings.DEALCOACH_DECAY_HALF_LIFE_DAYS = 400
    after_setting_change = flags_sweep(as_of=AS_OF)

    assert not after_stage_change.incremental and after_stage_change.cleared_by_kind["no_activity"] == 1
    assert not after_setting_change.incremental and after_setting_change.cleared_by_kind["decaying"] == 1


def test_it_sweeps_every_deal_when_asked_to(alice, clock):
    _neglected_deal(alice)
    clock.shift(dt.timedelta(hours=1))
    flags_sweep(as_of=AS_OF)
    assert not flags_sweep(as_of=AS_OF, full=True).incremental
