"""The sweep on PostgreSQL: each rule at its boundary, raise/clear, idempotence,
the database guard, and the propensity its reasons quote."""

import datetime as dt
import math

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.stale.models import Flag
from coaching.stale.services import flags_sweep
from deals.models import Opportunity
from deals.propensity import deal_propensity
from tests.coaching.stale.helpers import at, make_deal, open_flags
from tests.factories import ActivityFactory, DealRoleFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

D = dt.date


# --- no_activity ---------------------------------------------------------------------


def test_it_flags_no_activity_only_after_the_stage_rot_days(alice):
    deal = make_deal(alice, stage="evaluate", created=D(2025, 3, 1), last_activity=D(2025, 5, 1))

    flags_sweep(as_of=D(2025, 5, 22))  # day 21 of a 21-day stage
    assert "no_activity" not in open_flags(deal)

    flags_sweep(as_of=D(2025, 5, 23))  # day 22
    assert open_flags(deal)["no_activity"] == "no activity for 22 days; Evaluate allows 21"


def test_it_counts_from_creation_when_nothing_was_ever_logged(alice):
    deal = make_deal(alice, stage="qualify", created=D(2025, 5, 1))

    flags_sweep(as_of=D(2025, 5, 15))
    assert "no_activity" not in open_flags(deal)
    flags_sweep(as_of=D(2025, 5, 16))
    assert open_flags(deal)["no_activity"] == (
        "no activity logged in the 15 days since the deal was created; Qualify allows 14"
    )


# --- close_date_passed -----------------------------------------------------------------


def test_it_flags_a_close_date_only_once_it_has_passed(alice):
    deal = make_deal(alice, created=D(2025, 5, 1), last_activity=D(2025, 5, 30), close=D(2025, 6, 1))

    flags_sweep(as_of=D(2025, 6, 1))
    assert "close_date_passed" not in open_flags(deal)
    flags_sweep(as_of=D(2025, 6, 2))
    assert open_flags(deal)["close_date_passed"] == "expected close date 2025-06-01 passed 1 day ago"


# --- decaying ------------------------------------------------------------------------------


def test_it_flags_decay_only_after_the_half_life(alice):
    deal = make_deal(alice, stage="evaluate", created=D(2025, 1, 1), last_senior=D(2025, 4, 1))

    flags_sweep(as_of=D(2025, 5, 16))  # 45 days
    assert "decaying" not in open_flags(deal)
    flags_sweep(as_of=D(2025, 5, 17))  # 46 days
    assert open_flags(deal)["decaying"] == (
        "no senior engagement for 46 days; half-life 45 days, propensity 20% (stage 40%)"
    )


def test_it_counts_decay_from_creation_without_any_senior_engagement(alice):
    deal = make_deal(alice, stage="propose", created=D(2025, 4, 1))

    flags_sweep(as_of=D(2025, 5, 17))
    assert open_flags(deal)["decaying"] == (
        "no senior stakeholder engaged in the 46 days since the deal was created; "
        "half-life 45 days, propensity 30% (stage 60%)"
    )


def test_it_reads_the_half_life_from_settings(alice, settings):
    settings.DEALCOACH_DECAY_HALF_LIFE_DAYS = 30
    deal = make_deal(alice, stage="evaluate", created=D(2025, 1, 1), last_senior=D(2025, 4, 1))

    flags_sweep(as_of=D(2025, 5, 1))  # 30 days
    assert "decaying" not in open_flags(deal)
    flags_sweep(as_of=D(2025, 5, 2))
    assert "half-life 30 days" in open_flags(deal)["decaying"]


# --- single_threaded and no_decision_maker -------------------------------------------------


def _people(deal):
    champion = StakeholderFactory(account=deal.account, seniority="manager")
    buyer = StakeholderFactory(account=deal.account, seniority="c_level")
    DealRoleFactory(opportunity=deal, stakeholder=champion, role="champion")
    DealRoleFactory(opportunity=deal, stakeholder=buyer, role="economic_buyer")
    return champion, buyer


def test_it_counts_engagement_within_the_window_inclusive(alice):
    as_of = D(2025, 6, 30)
    deal = make_deal(alice, created=D(2025, 1, 1), last_activity=as_of, last_senior=as_of)
    champion, buyer = _people(deal)
    ActivityFactory(opportunity=deal, occurred_at=at(as_of - dt.timedelta(days=60)), stakeholders=[buyer])
    ActivityFactory(opportunity=deal, occurred_at=at(as_of - dt.timedelta(days=10)), stakeholders=[champion])

    flags_sweep(as_of=as_of)  # the buyer took part 60 days ago: still engaged
    assert not {"single_threaded", "no_decision_maker"} & set(open_flags(deal))

    flags_sweep(as_of=as_of + dt.timedelta(days=1))  # 61 days ago: no longer
    flags = open_flags(deal)
    assert flags["single_threaded"] == "only 1 stakeholder engaged in the last 60 days"
    assert flags["no_decision_maker"] == "no economic buyer or decision maker engaged in the last 60 days"


def test_it_says_when_no_decision_maker_is_even_on_the_deal(alice):
    deal = make_deal(alice, created=D(2025, 6, 1), last_activity=D(2025, 6, 1))

    flags_sweep(as_of=D(2025, 6, 2))
    flags = open_flags(deal)
    assert flags["single_threaded"] == "no stakeholder engaged in the last 60 days"
    assert flags["no_decision_maker"] == (
        "no economic buyer or decision maker on the deal, so none engaged in the last 60 days"
    )


def test_it_ignores_deleted_activities_and_stakeholders(alice):
    as_of = D(2025, 6, 30)
    deal = make_deal(alice, created=D(2025, 1, 1), last_activity=as_of)
    champion, buyer = _people(deal)
    ActivityFactory(opportunity=deal, occurred_at=at(as_of), stakeholders=[champion, buyer])
    flags_sweep(as_of=as_of)
    assert not {"single_threaded", "no_decision_maker"} & set(open_flags(deal))

    buyer.mark_deleted()
    buyer.save()
    flags_sweep(as_of=as_of)
    assert set(open_flags(deal)) >= {"single_threaded", "no_decision_maker"}


def test_it_reads_the_engagement_window_from_settings(alice, settings):
    settings.DEALCOACH_ENGAGEMENT_WINDOW_DAYS = 30
    as_of = D(2025, 6, 30)
    deal = make_deal(alice, created=D(2025, 1, 1), last_activity=as_of)
    champion, buyer = _people(deal)
    ActivityFactory(opportunity=deal, occurred_at=at(as_of - dt.timedelta(days=31)), stakeholders=[champion, buyer])

    flags_sweep(as_of=as_of)
    assert open_flags(deal)["single_threaded"] == "no stakeholder engaged in the last 30 days"


# --- milestone_overdue ------------------------------------------------------------------------


def _plan_with(deal, milestones):
    closeplan = pytest.importorskip("coaching.closeplan.models")
    plan = closeplan.ClosePlan.objects.create(opportunity=deal, go_live_date=D(2025, 9, 15))
    for position, (key, name, latest_finish) in enumerate(milestones):
        closeplan.Milestone.objects.create(
            plan=plan, key=key, name=name, duration_days=5, position=position,
            latest_start=latest_finish - dt.timedelta(days=7), latest_finish=latest_finish,
        )
    return plan


def test_it_flags_a_milestone_only_after_its_latest_finish(alice):
    deal = make_deal(alice, created=D(2025, 5, 1), last_activity=D(2025, 6, 2))
    _plan_with(deal, [("legal_review", "Legal and contract review", D(2025, 6, 2))])

    flags_sweep(as_of=D(2025, 6, 2))
    assert "milestone_overdue" not in open_flags(deal)
    flags_sweep(as_of=D(2025, 6, 3))
    assert open_flags(deal)["milestone_overdue"] == (
        'close-plan milestone "Legal and contract review" was due by 2025-06-02 (1 day ago)'
    )


def test_it_names_the_first_overdue_milestone_and_counts_the_rest(alice):
    deal = make_deal(alice, created=D(2025, 5, 1), last_activity=D(2025, 6, 2))
    plan = _plan_with(deal, [
        ("evaluation", "Evaluation complete", D(2025, 5, 20)),
        ("reference_check", "Reference checks done", D(2025, 5, 23)),
        ("go_live", "Live", D(2025, 9, 15)),
    ])

    flags_sweep(as_of=D(2025, 6, 2))
    assert open_flags(deal)["milestone_overdue"] == (
        'close-plan milestone "Evaluation complete" was due by 2025-05-20 (13 days ago); 1 more overdue'
    )

    plan.milestones.filter(key__in=["evaluation", "reference_check"]).update(done_on=D(2025, 6, 2))
    result = flags_sweep(as_of=D(2025, 6, 2))
    assert "milestone_overdue" not in open_flags(deal)
    assert result.cleared_by_kind["milestone_overdue"] == 1


# --- raise, clear, idempotence -----------------------------------------------------------------


def _neglected_deal(owner):
    return make_deal(owner, stage="evaluate", created=D(2025, 1, 1), last_activity=D(2025, 3, 1),
                     close=D(2025, 4, 1))


def test_it_changes_nothing_when_rerun(alice, bob):
    deals = [_neglected_deal(alice), _neglected_deal(bob)]
    first = flags_sweep(as_of=D(2025, 6, 2))
    snapshot = sorted(Flag.objects.filter(cleared_at__isnull=True).values_list("id", "kind", "reason"))
    rows = sorted(Opportunity.objects.values_list("id", "updated_at"))

    second = flags_sweep(as_of=D(2025, 6, 2))

    assert first.raised == 10 and first.open == 10  # five kinds on each deal (no close plan)
    assert (second.raised, second.cleared, second.open) == (0, 0, 10)
    assert sorted(Flag.objects.filter(cleared_at__isnull=True).values_list("id", "kind", "reason")) == snapshot
    assert sorted(Opportunity.objects.values_list("id", "updated_at")) == rows
    assert all(open_flags(deal) for deal in deals)


def test_it_clears_a_flag_when_its_condition_ends_and_raises_a_new_one_when_it_returns(alice):
    deal = _neglected_deal(alice)
    flags_sweep(as_of=D(2025, 6, 2))
    first = deal.flags.get(kind="no_activity")

    Opportunity.objects.filter(pk=deal.pk).update(last_activity_at=at(D(2025, 6, 2)), updated_at=timezone.now())
    with_activity = flags_sweep(as_of=D(2025, 6, 2))
    first.refresh_from_db()
    assert first.cleared_at is not None
    assert with_activity.cleared_by_kind["no_activity"] == 1
    assert "no_activity" not in open_flags(deal)

    flags_sweep(as_of=D(2025, 6, 24))  # 22 days later, quiet again
    assert deal.flags.filter(kind="no_activity").count() == 2
    assert open_flags(deal)["no_activity"] == "no activity for 22 days; Evaluate allows 21"


@pytest.mark.parametrize("change", [
    {"status": "won"}, {"status": "lost", "lost_reason": "Went with the incumbent"},
    {"deleted_at": at(D(2025, 6, 1))},
])
def test_it_clears_every_flag_of_a_deal_that_is_no_longer_open(alice, change):
    deal = _neglected_deal(alice)
    flags_sweep(as_of=D(2025, 6, 2))
    assert open_flags(deal)

    Opportunity.objects.filter(pk=deal.pk).update(**change, updated_at=timezone.now())
    result = flags_sweep(as_of=D(2025, 6, 2))
    assert open_flags(deal) == {}
    assert result.cleared == 5 and result.open == 0


def test_it_keeps_a_snoozed_flag_open_while_its_condition_holds(alice):
    deal = _neglected_deal(alice)
    flags_sweep(as_of=D(2025, 6, 2))
    Flag.objects.filter(opportunity=deal, kind="no_activity").update(
        snoozed_until=D(2025, 6, 14), snooze_reason="Board meets on the 14th", snoozed_by=alice
    )
    flags_sweep(as_of=D(2025, 6, 3))
    flag = deal.flags.get(kind="no_activity", cleared_at__isnull=True)
    assert flag.snooze_reason == "Board meets on the 14th"


def test_the_database_refuses_a_second_open_flag_of_a_kind(alice_deal):
    now = timezone.now()
    Flag.objects.create(opportunity=alice_deal, kind="decaying", reason="first", raised_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.create(opportunity=alice_deal, kind="decaying", reason="second", raised_at=now)

    Flag.objects.filter(opportunity=alice_deal).update(cleared_at=now)
    Flag.objects.create(opportunity=alice_deal, kind="decaying", reason="again", raised_at=now)
    assert alice_deal.flags.count() == 2


def test_it_sweeps_with_the_same_number_of_queries_whatever_the_number_of_deals(alice):
    _neglected_deal(alice)
    with CaptureQueriesContext(connection) as few:
        flags_sweep(as_of=D(2025, 6, 2), full=True)
    for _ in range(20):
        _neglected_deal(alice)
    with CaptureQueriesContext(connection) as many:
        result = flags_sweep(as_of=D(2025, 6, 2), full=True)
    assert result.raised == 100
    assert len(many) == len(few)


# --- propensity ------------------------------------------------------------------------------


@pytest.mark.parametrize("half_life", [45, 20])
def test_its_decaying_reason_quotes_the_propensity_the_deal_has_and_it_writes_no_deal(alice, settings, half_life):
    settings.DEALCOACH_DECAY_HALF_LIFE_DAYS = half_life
    as_of = D(2025, 6, 2)
    cases = [("qualify", D(2025, 6, 2)), ("discover", D(2025, 5, 20)), ("evaluate", D(2025, 4, 1)),
             ("propose", D(2024, 12, 1)), ("negotiate", None), ("negotiate", D(2025, 6, 9))]
    deals = [make_deal(alice, stage=stage, created=D(2025, 2, 1), last_senior=senior) for stage, senior in cases]
    rows = sorted(Opportunity.objects.values_list("id", "updated_at"))

    flags_sweep(as_of=as_of)

    # Propensity is computed where it is read (deals/propensity.py): the sweep rewrites no deal row.
    assert sorted(Opportunity.objects.values_list("id", "updated_at")) == rows
    quoted = 0
    for deal in deals:
        flag = deal.flags.filter(kind="decaying", cleared_at__isnull=True).first()
        if flag is not None:
            expected = math.floor(deal_propensity(deal, as_of=as_of) * 100 + 0.5)
            assert f"propensity {expected}%" in flag.reason
            quoted += 1
    assert quoted >= 3
