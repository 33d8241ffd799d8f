"""Finding 1 of issue 18: a far-future go-live (9999-12-31) held a web thread
for 82 s and the timeline overflowed. The scheduler now counts business days
with numpy in constant time per milestone, dates outside the horizon
(dealcoach.dates) are refused naming the field, and a plan stored before the
rule still schedules and draws."""

import datetime as dt

import pytest

from coaching.closeplan.models import ClosePlan
from coaching.closeplan.schedule import BusinessCalendar, MilestoneInput, schedule_plan
from coaching.closeplan.selectors import plan_detail, plan_get_for_opportunity
from coaching.closeplan.timeline import timeline_for
from dealcoach.dates import HORIZON_END, HORIZON_START, horizon_error
from deals.forms import OpportunityEditForm
from tests.api.conftest import client_for as api_client_for
from tests.coaching.closeplan.conftest import TODAY
from tests.coaching.closeplan.test_api import client_for, url

FAR = dt.date(9999, 12, 31)


@pytest.mark.timeout(10)  # walking business days one by one took ~50 s for this plan
def test_it_schedules_a_go_live_at_the_end_of_the_calendar_without_walking_the_days():
    calendar = BusinessCalendar([dt.date(2025, 12, 25)])
    # Business days from Monday 2 June 2025 to 9999-12-31 (numpy.busday_count), less the one holiday.
    assert calendar.count(TODAY, FAR) == 2_080_469 - 1
    milestones = [MilestoneInput("contract_signed", "Signed", "both", 2),
                  MilestoneInput("go_live", "Go live", "customer", 0, depends_on=("contract_signed",))]
    for _ in range(50):
        schedule = schedule_plan(go_live_date=FAR, milestones=milestones, as_of=TODAY,
                                 holidays=[dt.date(2025, 12, 25)])
    assert schedule.sign_by == dt.date(9999, 12, 31)
    assert schedule.milestone("contract_signed").latest_start == dt.date(9999, 12, 29)
    assert schedule.min_slack > 2_000_000


def test_the_horizon_is_one_documented_range():
    assert (HORIZON_START, HORIZON_END) == (dt.date(2000, 1, 1), dt.date(2100, 12, 31))
    assert horizon_error(HORIZON_START) is None and horizon_error(HORIZON_END) is None
    assert "2000-01-01 and 2100-12-31" in horizon_error(FAR)
    assert horizon_error(dt.date(1999, 12, 31))


@pytest.mark.django_db
def test_the_api_refuses_a_go_live_outside_the_horizon_naming_the_field(frozen_today, alice, alice_deal):
    api = client_for(alice)
    response = api.post(url(alice_deal), {"go_live_date": "9999-12-31"}, format="json")
    assert response.status_code == 400
    assert "2100-12-31" in response.json()["errors"]["go_live_date"][0]
    assert not ClosePlan.objects.exists()
    assert api.get(url(alice_deal), {"as_of": "9999-12-31"}).status_code == 400


@pytest.mark.django_db
def test_the_api_refuses_a_deal_go_live_outside_the_horizon_when_building_the_plan(frozen_today, alice, alice_deal):
    alice_deal.go_live_date = FAR  # stored before the rule existed
    alice_deal.save()
    response = client_for(alice).post(url(alice_deal), {}, format="json")
    assert response.status_code == 400
    assert "go_live_date" in response.json()["errors"]


@pytest.mark.django_db
def test_the_api_refuses_a_done_date_outside_the_horizon(plan, alice, alice_deal):
    response = client_for(alice).patch(url(alice_deal, "milestones/evaluation/"), {"done_on": "2101-01-01"},
                                       format="json")
    assert response.status_code == 400
    assert "done_on" in response.json()["errors"]


@pytest.mark.django_db
def test_the_forms_refuse_dates_outside_the_horizon_with_a_field_error(frozen_today, client, alice, alice_deal):
    client.force_login(alice)
    response = client.post(f"/deals/{alice_deal.pk}/plan/create/",
                           {"go_live_date": "9999-12-31", "template": "default"})
    assert response.status_code == 400
    assert 'data-field="go_live_date"' in response.content.decode()
    assert not ClosePlan.objects.exists()
    data = {k: ("" if v is None else getattr(v, "pk", v)) for k, v in OpportunityEditForm.initial_for(alice_deal).items()}
    form = OpportunityEditForm({**data, "go_live_date": "9999-12-31", "expected_close_date": "1999-01-01"})
    assert not form.is_valid()
    assert set(form.errors) >= {"go_live_date", "expected_close_date"}


@pytest.mark.django_db
def test_a_plan_stored_before_the_horizon_still_schedules_and_draws(plan, alice_deal):
    ClosePlan.objects.filter(pk=plan.pk).update(go_live_date=FAR)
    detail = plan_detail(plan_get_for_opportunity(opportunity_id=alice_deal.pk), TODAY)
    timeline = timeline_for(detail)
    assert timeline.chart_left <= timeline.today_x < timeline.go_live_x <= timeline.chart_right
    assert detail.schedule.milestone("go_live").latest_finish == FAR


@pytest.mark.django_db
def test_the_resource_api_refuses_deal_dates_outside_the_horizon(alice, alice_deal):
    api = api_client_for(alice)
    response = api.patch(f"/api/v1/opportunities/{alice_deal.pk}/", {"go_live_date": "9999-12-31"}, format="json")
    assert response.status_code == 400
    assert "2100-12-31" in str(response.json()["errors"]["go_live_date"])
    response = api.patch(f"/api/v1/opportunities/{alice_deal.pk}/", {"expected_close_date": "2026-03-31"},
                         format="json")
    assert response.status_code == 200
