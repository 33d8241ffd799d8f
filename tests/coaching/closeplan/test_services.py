import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from coaching.closeplan.models import ClosePlan, Holiday, Milestone, PlanChange
from coaching.closeplan.selectors import plan_get_for_opportunity, plan_schedule_for, plan_summaries
from coaching.closeplan.services import (
    PlanAlreadyExists,
    PlanChangedWhileReviewing,
    ShareLinkUnusable,
    StalePlanVersion,
    milestone_add,
    milestone_mark_done,
    milestone_remove,
    milestone_update,
    plan_create_from_template,
    plan_update_go_live,
    plan_validate_by_buyer,
    share_link_create,
    share_link_revoke,
)
from deals.signals import deal_changed
from tests.coaching.closeplan.conftest import GO_LIVE, TODAY
from tests.factories import OpportunityFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def d(month, day):
    return dt.date(2025, month, day)


def stored(plan, key):
    m = Milestone.objects.get(plan=plan, key=key)
    return m.latest_start, m.latest_finish


@pytest.fixture
def announced():
    ids = []

    def receiver(sender, opportunity_ids, **kwargs):
        ids.extend(opportunity_ids)

    deal_changed.connect(receiver)
    yield ids
    deal_changed.disconnect(receiver)


def test_it_creates_a_plan_from_the_default_template_with_stored_latest_dates(plan, alice_deal):
    assert [m.key for m in plan.milestones.order_by("position")] == [
        "evaluation",
        "reference_check",
        "vendor_selected",
        "executive_approval",
        "legal_review",
        "procurement",
        "contract_signed",
        "kickoff",
        "implementation",
        "go_live",
    ]
    assert stored(plan, "contract_signed") == (d(7, 24), d(7, 28))
    assert stored(plan, "evaluation") == (d(6, 4), d(6, 25))
    assert plan.version == 1
    alice_deal.refresh_from_db()
    assert alice_deal.go_live_date == GO_LIVE


def test_it_refuses_a_second_plan(plan, alice, alice_deal):
    with pytest.raises(PlanAlreadyExists):
        plan_create_from_template(actor=alice, opportunity=alice_deal, go_live_date=GO_LIVE)
    assert ClosePlan.objects.filter(opportunity=alice_deal).count() == 1


def test_it_needs_a_go_live_date(frozen_today, alice):
    deal = OpportunityFactory(owner=alice, account__owner=alice, go_live_date=None)
    with pytest.raises(ValidationError) as error:
        plan_create_from_template(actor=alice, opportunity=deal, go_live_date=None)
    assert "go_live_date" in error.value.message_dict


def test_it_takes_the_deals_go_live_date_by_default(frozen_today, alice):
    deal = OpportunityFactory(owner=alice, account__owner=alice, go_live_date=GO_LIVE)
    plan = plan_create_from_template(actor=alice, opportunity=deal, go_live_date=None)
    assert plan.go_live_date == GO_LIVE


def test_it_refuses_an_unknown_template(frozen_today, alice, alice_deal):
    with pytest.raises(ValidationError) as error:
        plan_create_from_template(
            actor=alice, opportunity=alice_deal, go_live_date=GO_LIVE, template_slug="nope"
        )
    assert "template" in error.value.message_dict


def test_it_moves_every_latest_date_with_the_go_live(
    plan, alice, alice_deal, announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        plan_update_go_live(actor=alice, plan=plan, go_live_date=d(9, 22))
    assert stored(plan, "go_live") == (d(9, 22), d(9, 22))
    assert stored(plan, "contract_signed") == (d(7, 31), d(8, 4))
    plan.refresh_from_db()
    assert plan.version == 2
    alice_deal.refresh_from_db()
    assert alice_deal.go_live_date == d(9, 22)
    assert alice_deal.pk in announced


def test_it_renames_and_retimes_a_milestone_and_records_the_change(plan, alice):
    milestone_update(
        actor=alice, plan=plan, key="implementation", data={"name": "Rollout", "duration_days": 35}
    )
    m = Milestone.objects.get(plan=plan, key="implementation")
    assert m.name == "Rollout"
    assert (m.latest_start, m.latest_finish) == (d(7, 28), d(9, 15))
    assert stored(plan, "contract_signed") == (d(7, 17), d(7, 21))
    changes = {
        (c.milestone_key, c.field): (c.old_value, c.new_value) for c in PlanChange.objects.filter(plan=plan)
    }
    assert changes[("implementation", "name")] == ("Implementation and onboarding", "Rollout")
    assert changes[("implementation", "duration_days")] == ("30", "35")


def test_it_does_not_bump_the_version_when_nothing_changed(plan, alice):
    milestone_update(actor=alice, plan=plan, key="kickoff", data={"duration_days": 5})
    plan.refresh_from_db()
    assert plan.version == 1


def test_it_refuses_a_cycle_naming_the_milestones_and_changes_nothing(plan, alice):
    with pytest.raises(ValidationError) as error:
        milestone_update(actor=alice, plan=plan, key="evaluation", data={"depends_on": ["kickoff"]})
    message = error.value.message_dict["depends_on"][0]
    assert "cycle" in message.lower()
    for key in ("evaluation", "kickoff", "contract_signed"):
        assert key in message
    assert Milestone.objects.get(plan=plan, key="evaluation").depends_on == []
    plan.refresh_from_db()
    assert plan.version == 1


def test_it_refuses_an_unknown_dependency(plan, alice):
    with pytest.raises(ValidationError) as error:
        milestone_update(actor=alice, plan=plan, key="kickoff", data={"depends_on": ["ghost"]})
    assert "ghost" in error.value.message_dict["depends_on"][0]


def test_it_refuses_a_negative_duration_naming_the_milestone(plan, alice):
    with pytest.raises(ValidationError) as error:
        milestone_update(actor=alice, plan=plan, key="kickoff", data={"duration_days": -2})
    assert "kickoff" in error.value.message_dict["duration_days"][0]


def test_it_refuses_a_done_date_in_the_future(plan, alice):
    with pytest.raises(ValidationError) as error:
        milestone_mark_done(actor=alice, plan=plan, key="evaluation", done_on=d(6, 3))
    assert "done_on" in error.value.message_dict


def test_it_marks_a_milestone_done(plan, alice):
    milestone_mark_done(actor=alice, plan=plan, key="evaluation", done_on=TODAY)
    plan = plan_get_for_opportunity(opportunity_id=plan.opportunity_id)
    schedule = plan_schedule_for(plan, TODAY)
    assert schedule.milestone("evaluation").earliest_finish == TODAY
    assert schedule.milestone("reference_check").earliest_start == TODAY


def test_it_assigns_owners_on_both_sides(plan, alice, buyer):
    milestone_update(actor=alice, plan=plan, key="executive_approval", data={"owner": buyer})
    milestone_update(actor=alice, plan=plan, key="kickoff", data={"owner": alice})
    assert Milestone.objects.get(plan=plan, key="executive_approval").owner == buyer
    assert Milestone.objects.get(plan=plan, key="kickoff").owner == alice
    milestone_update(actor=alice, plan=plan, key="kickoff", data={"owner": None})
    assert Milestone.objects.get(plan=plan, key="kickoff").owner is None


def test_it_refuses_owners_from_elsewhere(plan, alice, charlie):
    stranger = StakeholderFactory(name="Someone Else")
    with pytest.raises(ValidationError) as error:
        milestone_update(actor=alice, plan=plan, key="kickoff", data={"owner": stranger})
    assert "owner" in error.value.message_dict
    with pytest.raises(ValidationError):
        milestone_update(actor=alice, plan=plan, key="kickoff", data={"owner": charlie})


def test_it_adds_a_milestone_between_two_others(plan, alice):
    milestone = milestone_add(
        actor=alice,
        plan=plan,
        name="Security review",
        duration_days=5,
        depends_on=["executive_approval"],
        required_by=["contract_signed"],
    )
    assert milestone.key == "security_review"
    keys = list(plan.milestones.order_by("position").values_list("key", flat=True))
    assert keys.index("security_review") == keys.index("contract_signed") - 1
    assert Milestone.objects.get(plan=plan, key="contract_signed").depends_on == [
        "legal_review",
        "procurement",
        "security_review",
    ]
    assert stored(plan, "security_review") == (d(7, 17), d(7, 24))


def test_it_refuses_a_duplicate_key_on_add(plan, alice):
    with pytest.raises(ValidationError) as error:
        milestone_add(actor=alice, plan=plan, key="kickoff", name="Again", duration_days=1)
    assert "key" in error.value.message_dict


def test_it_refuses_an_added_milestone_that_closes_a_cycle(plan, alice):
    with pytest.raises(ValidationError) as error:
        milestone_add(
            actor=alice,
            plan=plan,
            name="Loop",
            duration_days=1,
            depends_on=["kickoff"],
            required_by=["evaluation"],
        )
    assert "cycle" in error.value.message_dict["depends_on"][0].lower()
    assert not Milestone.objects.filter(plan=plan, key="loop").exists()


def test_it_removes_a_milestone_and_reconnects_what_waited_for_it(plan, alice):
    milestone_remove(actor=alice, plan=plan, key="reference_check")
    assert Milestone.objects.get(plan=plan, key="vendor_selected").depends_on == ["evaluation"]
    milestone_remove(actor=alice, plan=plan, key="kickoff")
    assert Milestone.objects.get(plan=plan, key="implementation").depends_on == ["contract_signed"]
    plan.refresh_from_db()
    assert plan.version == 3


def test_it_refuses_a_stale_version(plan, alice):
    milestone_update(actor=alice, plan=plan, key="kickoff", data={"duration_days": 6})
    with pytest.raises(StalePlanVersion):
        milestone_update(actor=alice, plan=plan, key="kickoff", data={"duration_days": 7}, expected_version=1)
    assert Milestone.objects.get(plan=plan, key="kickoff").duration_days == 6


def test_it_records_the_buyers_validation_and_later_changes(plan, alice):
    link, token = share_link_create(actor=alice, plan=plan)
    validated = plan_validate_by_buyer(link=link, name="  Jane   Buyer ", seen_version=1)
    assert (validated.validated_version, validated.validated_by_name) == (1, "Jane Buyer")
    assert not validated.changed_since_validation

    milestone_update(actor=alice, plan=plan, key="legal_review", data={"duration_days": 12})
    plan.refresh_from_db()
    assert plan.changed_since_validation
    summary = plan_summaries(opportunity_ids=[plan.opportunity_id], as_of=TODAY)[plan.opportunity_id]
    assert summary.validated and summary.changed_since_validation


def test_it_refuses_a_validation_of_an_older_version(plan, alice):
    link, _ = share_link_create(actor=alice, plan=plan)
    milestone_update(actor=alice, plan=plan, key="kickoff", data={"duration_days": 6})
    with pytest.raises(PlanChangedWhileReviewing):
        plan_validate_by_buyer(link=link, name="Jane", seen_version=1)


def test_it_refuses_a_validation_through_a_revoked_or_expired_link(plan, alice, time_machine):
    link, _ = share_link_create(actor=alice, plan=plan, valid_days=7)
    share_link_revoke(actor=alice, link=link)
    with pytest.raises(ShareLinkUnusable, match="withdrawn"):
        plan_validate_by_buyer(link=link, name="Jane", seen_version=1)
    other, _ = share_link_create(actor=alice, plan=plan, valid_days=7)
    time_machine.move_to(dt.datetime(2025, 6, 10, tzinfo=dt.UTC))
    with pytest.raises(ShareLinkUnusable, match="expired"):
        plan_validate_by_buyer(link=other, name="Jane", seen_version=1)


def test_it_needs_the_buyers_name(plan, alice):
    link, _ = share_link_create(actor=alice, plan=plan)
    with pytest.raises(ValidationError) as error:
        plan_validate_by_buyer(link=link, name="   ", seen_version=1)
    assert "name" in error.value.message_dict


def test_it_summarizes_many_plans_in_few_queries(frozen_today, alice, django_assert_max_num_queries):
    deals = [OpportunityFactory(owner=alice, account__owner=alice) for _ in range(5)]
    for deal in deals:
        plan_create_from_template(actor=alice, opportunity=deal, go_live_date=GO_LIVE)
    with django_assert_max_num_queries(3):
        summaries = plan_summaries(opportunity_ids=[deal.pk for deal in deals] + [999999], as_of=TODAY)
    assert set(summaries) == {deal.pk for deal in deals}
    summary = summaries[deals[0].pk]
    assert (summary.sign_by, summary.earliest_signing, summary.min_slack) == (d(7, 28), d(7, 24), 2)
    assert summary.feasible and not summary.validated
    assert summary.expected_close_date == deals[0].expected_close_date


def test_every_change_announces_the_deal(plan, alice, announced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        milestone_update(actor=alice, plan=plan, key="kickoff", data={"duration_days": 6})
        milestone_add(actor=alice, plan=plan, name="Extra", duration_days=1, depends_on=["kickoff"])
        milestone_remove(actor=alice, plan=plan, key="extra")
    assert announced.count(plan.opportunity_id) == 3


def test_it_refreshes_stored_dates_when_the_holidays_change(plan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Holiday.objects.create(date=d(9, 1), name="Labour Day")
    assert stored(plan, "implementation") == (d(8, 1), d(9, 15))
