"""ORM → DealFacts: complete, correct, and a fixed number of queries."""

import datetime as dt

import pytest

from coaching.closeplan.services import plan_create_from_template
from coaching.rsvp.facts import deal_facts_for
from coaching.rsvp.services import coaching_answer_set
from tests.coaching.rsvp.conftest import TODAY, at, well_covered_deal
from tests.factories import AccountFactory, ActivityFactory

pytestmark = pytest.mark.django_db


def test_it_builds_facts_from_the_deal_its_map_and_activities(frozen_today, alice):
    deal = well_covered_deal(account=AccountFactory(owner=alice))

    facts = deal_facts_for(opportunity_ids=[deal.pk], as_of=TODAY)[deal.pk]

    assert (facts.stage_slug, facts.stage_order) == ("negotiate", 5)
    assert facts.budget_status == "approved" and facts.strategy == "indirect"
    assert facts.competitors == ("do nothing", "Acme Forecast")
    engaged = {r.name: (r.role, r.seniority, r.last_engaged_on) for r in facts.roles}
    assert engaged == {
        "Erin Ames": ("economic_buyer", "c_level", TODAY - dt.timedelta(days=12)),
        "Chad Roe": ("champion", "director", TODAY - dt.timedelta(days=5)),
        "Tess Lin": ("technical_buyer", "manager", TODAY - dt.timedelta(days=5)),
    }
    assert facts.plan is None and facts.answers == {}
    assert {"rel_economic_buyer", "proc_close_plan"} <= set(facts.questions)


def test_it_takes_the_engagement_window_from_the_setting_the_flags_use(frozen_today, alice, settings):
    deal = well_covered_deal(account=AccountFactory(owner=alice))
    settings.DEALCOACH_ENGAGEMENT_WINDOW_DAYS = 10

    facts = deal_facts_for(opportunity_ids=[deal.pk], as_of=TODAY)[deal.pk]

    assert facts.engagement_window_days == 10


def test_it_ignores_deleted_activities_and_those_after_the_as_of_date(frozen_today, alice):
    deal = well_covered_deal(account=AccountFactory(owner=alice))
    erin = deal.roles.get(role="economic_buyer").stakeholder
    ActivityFactory(opportunity=deal, occurred_at=at(TODAY + dt.timedelta(days=3)), stakeholders=[erin])
    deleted = ActivityFactory(opportunity=deal, occurred_at=at(TODAY - dt.timedelta(days=1)), stakeholders=[erin])
    deleted.mark_deleted()
    deleted.save()

    facts = deal_facts_for(opportunity_ids=[deal.pk], as_of=TODAY)[deal.pk]

    assert next(r for r in facts.roles if r.name == "Erin Ames").last_engaged_on == TODAY - dt.timedelta(days=12)


def test_it_includes_reference_activities_answers_and_the_close_plan(frozen_today, alice):
    deal = well_covered_deal(account=AccountFactory(owner=alice))
    ActivityFactory(opportunity=deal, kind="call", summary="Reference call with Globex", occurred_at=at(TODAY))
    coaching_answer_set(actor=alice, opportunity=deal, question="rel_integrity", answer="yes",
                        evidence="Chad shared the draft budget before it went to the board.")
    plan_create_from_template(actor=alice, opportunity=deal, go_live_date=deal.go_live_date)

    facts = deal_facts_for(opportunity_ids=[deal.pk], as_of=TODAY)[deal.pk]

    assert [(a.kind, a.subject) for a in facts.activities] == [("call", "Reference call with Globex")]
    assert facts.answers["rel_integrity"].answer == "yes"
    assert facts.plan is not None and facts.plan.go_live_date == deal.go_live_date
    assert facts.plan.validated is False


def test_it_builds_facts_for_many_deals_in_a_fixed_number_of_queries(
    frozen_today, alice, django_assert_num_queries
):
    one = well_covered_deal(account=AccountFactory(owner=alice))
    plan_create_from_template(actor=alice, opportunity=one, go_live_date=one.go_live_date)
    with django_assert_num_queries(9) as single:
        deal_facts_for(opportunity_ids=[one.pk], as_of=TODAY)

    many = [well_covered_deal(account=AccountFactory(owner=alice)) for _ in range(12)]
    for deal in many[:6]:
        plan_create_from_template(actor=alice, opportunity=deal, go_live_date=deal.go_live_date)
        coaching_answer_set(actor=alice, opportunity=deal, question="proc_evaluation", answer="partly")
    ids = [one.pk, *(d.pk for d in many)]
    with django_assert_num_queries(len(single.captured_queries)):
        facts = deal_facts_for(opportunity_ids=ids, as_of=TODAY)

    assert set(facts) == set(ids)
    assert sum(1 for f in facts.values() if f.plan) == 7


def test_it_skips_deleted_deals(frozen_today, alice):
    deal = well_covered_deal(account=AccountFactory(owner=alice))
    deal.mark_deleted()
    deal.save()

    assert deal_facts_for(opportunity_ids=[deal.pk], as_of=TODAY) == {}
