"""The deal page (/deals/<id>/): summary, anchors, political map, timeline with
quick log, role editing, history of slips and stage moves, coaching panels."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from deals import panels
from deals.models import Activity, DealRole, Opportunity, Stage
from deals.services import opportunity_update
from tests.factories import ActivityFactory, DealRoleFactory, StakeholderFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(datetime(2026, 3, 2, 15, 0, tzinfo=UTC), tick=False):
        yield


def url(view, deal, **kwargs):
    return reverse(f"deals:{view}", kwargs={"pk": deal.pk, **kwargs})


def hx(client, method, path, data=None):
    return getattr(client, method)(path, data or {}, HTTP_HX_REQUEST="true")


def test_it_shows_the_summary_and_marks_missing_anchors(client, alice, alice_deal):
    alice_deal.budget_status = "approved"
    alice_deal.success_criteria = "Invoices processed in under 2 days"
    alice_deal.save()
    client.force_login(alice)
    response = client.get(url("detail", alice_deal))
    anchors = {a.key: a for a in response.context["anchors"]}
    assert not anchors["budget"].missing and not anchors["success_criteria"].missing
    assert anchors["timeline"].missing and anchors["compelling_event"].missing
    content = response.content.decode()
    assert content.count('data-testid="anchor-missing"') == 2
    assert "Northwind rollout" in content and "100,000 USD" in content


def test_it_shows_the_political_map_grouped_by_role_with_gaps(client, alice, alice_deal):
    champion = DealRoleFactory(opportunity=alice_deal, role="champion", stance="advocate", strength=4,
                               stakeholder__name="Ada Champion", stakeholder__seniority="manager").stakeholder
    DealRoleFactory(opportunity=alice_deal, role="blocker", stance="opponent",
                    stakeholder__name="Bo Blocker", stakeholder__seniority="vp")
    ActivityFactory(opportunity=alice_deal, stakeholders=[champion],
                    occurred_at=datetime(2026, 2, 20, 10, tzinfo=UTC))
    client.force_login(alice)
    response = client.get(url("detail", alice_deal))
    political_map = response.context["political_map"]
    assert [g.role for g in political_map.groups] == ["champion", "blocker"]
    assert political_map.groups[0].entries[0].last_contact.date() == date(2026, 2, 20)
    assert "No economic buyer" in political_map.gaps
    assert "No champion" not in political_map.gaps
    assert any(g.startswith("Single-threaded") for g in political_map.gaps)
    assert any("Bo Blocker" in g for g in political_map.gaps)
    content = response.content.decode()
    assert "No economic buyer" in content and "last contact: 20 Feb 2026" in content and "●●●●○" in content


def test_it_shows_history_of_slips_and_stage_moves(client, alice, alice_deal):
    close = alice_deal.expected_close_date
    opportunity_update(actor=alice, opportunity=alice_deal, data={"expected_close_date": close + timedelta(days=30)})
    opportunity_update(actor=alice, opportunity=alice_deal, data={"expected_close_date": close + timedelta(days=60)})
    opportunity_update(actor=alice, opportunity=alice_deal, data={"stage": Stage.objects.get(slug="qualify")})
    client.force_login(alice)
    response = client.get(url("detail", alice_deal))
    kinds = [h.kind for h in response.context["history"]]
    assert kinds.count("slip") == 2 and "stage_back" in kinds
    content = response.content.decode()
    assert "The close date has slipped 2 times" in content
    assert "slipped 2×" in content
    assert "Discover → Qualify" in content


def test_it_edits_the_deal_inline(client, alice, alice_deal):
    client.force_login(alice)
    form = hx(client, "get", url("edit", alice_deal))
    assert 'data-testid="deal-edit-form"' in form.content.decode() and "<html" not in form.content.decode()
    data = {**form.context["form"].initial, "stage": alice_deal.stage_id, "amount": "150000",
            "compelling_event": "Old system is switched off in June", "expected_close_date": "2026-05-29",
            "go_live_date": "", "budget_amount": "", "lost_reason": "", "competitors": "Globex"}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = hx(client, "post", url("edit", alice_deal), data)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "dealChanged"
    alice_deal.refresh_from_db()
    assert alice_deal.amount == Decimal("150000")
    assert alice_deal.compelling_event == "Old system is switched off in June"
    assert alice_deal.competitors == ["do nothing", "Globex"]
    assert 'id="overview"' in response.content.decode()


def test_it_refuses_a_bad_edit_naming_the_field_and_changing_nothing(client, alice, alice_deal):
    client.force_login(alice)
    initial = hx(client, "get", url("edit", alice_deal)).context["form"].initial
    data = {k: ("" if v is None else v) for k, v in initial.items()}
    data.update(stage=alice_deal.stage_id, amount="-10", currency="usd", name="Renamed", success_criteria="Typed text")
    response = hx(client, "post", url("edit", alice_deal), data)
    assert "HX-Trigger" not in response
    assert list(response.context["form"].errors) == ["amount"]
    content = response.content.decode()
    assert "Amount: Amount cannot be negative." in content
    assert 'value="Renamed"' in content and "Typed text" in content
    fresh = Opportunity.objects.get(pk=alice_deal.pk)
    assert (fresh.name, fresh.amount, fresh.success_criteria) == ("Northwind rollout", Decimal("100000"), "")


def test_it_refuses_a_service_level_error_on_edit(client, alice, alice_deal):
    client.force_login(alice)
    initial = hx(client, "get", url("edit", alice_deal)).context["form"].initial
    data = {k: ("" if v is None else v) for k, v in initial.items()}
    data.update(stage=alice_deal.stage_id, status="lost", lost_reason="")
    response = hx(client, "post", url("edit", alice_deal), data)
    assert "lost_reason" in response.context["form"].errors
    assert Opportunity.objects.get(pk=alice_deal.pk).status == "open"


def test_it_logs_an_activity_and_stays_on_the_page(client, alice, alice_deal):
    person = StakeholderFactory(account=alice_deal.account, name="Pat Buyer")
    client.force_login(alice)
    response = hx(client, "post", url("log_activity", alice_deal), {
        "kind": "call", "occurred_on": "2026-03-02", "stakeholders": [person.pk], "summary": "Agreed next steps",
    })
    assert response.status_code == 200 and response["HX-Trigger"] == "dealChanged"
    activity = Activity.objects.get(opportunity=alice_deal)
    assert (activity.kind, activity.summary, activity.logged_by) == ("call", "Agreed next steps", alice)
    assert list(activity.stakeholders.all()) == [person]
    content = response.content.decode()
    assert 'id="timeline"' in content and "Agreed next steps" in content and "with Pat Buyer" in content
    alice_deal.refresh_from_db()
    assert alice_deal.last_activity_at is not None


def test_it_logs_a_reference_check_as_its_own_kind(client, alice, alice_deal):
    client.force_login(alice)
    hx(client, "post", url("log_activity", alice_deal),
       {"kind": "reference_check", "occurred_on": "2026-02-27", "summary": "Their CFO called Globex"})
    assert Activity.objects.get(opportunity=alice_deal).kind == Activity.Kind.REFERENCE_CHECK


def test_it_logs_an_earlier_day_at_noon(client, alice, alice_deal):
    client.force_login(alice)
    hx(client, "post", url("log_activity", alice_deal), {"kind": "note", "occurred_on": "2026-02-27", "summary": "x"})
    assert Activity.objects.get().occurred_at.date() == date(2026, 2, 27)


def test_it_refuses_an_activity_without_summary_and_keeps_the_input(client, alice, alice_deal):
    client.force_login(alice)
    response = hx(client, "post", url("log_activity", alice_deal), {"kind": "demo", "summary": ""})
    assert "HX-Trigger" not in response
    assert list(response.context["log_form"].errors) == ["summary"]
    content = response.content.decode()
    assert "Summary: This field is required." in content
    assert '<option value="demo" selected>' in content
    assert not Activity.objects.exists()


def test_it_refuses_an_activity_in_the_future(client, alice, alice_deal):
    client.force_login(alice)
    response = client.post(url("log_activity", alice_deal), {"kind": "call", "occurred_on": "2026-04-01",
                                                              "summary": "Planned call"})
    assert response.status_code == 400
    assert "cannot be logged in the future" in response.content.decode()
    assert not Activity.objects.exists()


def test_it_adds_a_new_person_to_the_political_map(client, alice, alice_deal):
    client.force_login(alice)
    response = hx(client, "post", url("role_add", alice_deal), {
        "new_name": "Eve Money", "new_title": "CFO", "new_seniority": "c_level", "role": "economic_buyer",
        "stance": "supporter", "influence": "high", "strength": "3",
    })
    # The activity form's participants listen for politicalMapChanged to offer the new person.
    assert response["HX-Trigger"] == "dealChanged, politicalMapChanged"
    role = DealRole.objects.get(opportunity=alice_deal)
    assert (role.stakeholder.name, role.stakeholder.account, role.role, role.strength) == (
        "Eve Money", alice_deal.account, "economic_buyer", 3)
    assert "No economic buyer" not in response.content.decode()


def test_it_adds_an_existing_person_in_a_second_role(client, alice, alice_deal):
    existing = DealRoleFactory(opportunity=alice_deal, role="champion").stakeholder
    client.force_login(alice)
    hx(client, "post", url("role_add", alice_deal), {
        "stakeholder": existing.pk, "role": "decision_maker", "stance": "neutral", "influence": "high",
        "strength": "2", "new_seniority": "staff",
    })
    assert set(DealRole.objects.filter(stakeholder=existing).values_list("role", flat=True)) == {
        "champion", "decision_maker"}


@pytest.mark.parametrize("data, field", [
    ({"role": "champion", "stance": "neutral", "influence": "high", "strength": "2", "new_seniority": "staff"},
     "new_name"),
    ({"new_name": "X", "role": "champion", "stance": "neutral", "influence": "high", "strength": "9",
      "new_seniority": "staff"}, "strength"),
    ({"new_name": "X", "role": "king", "stance": "neutral", "influence": "high", "strength": "2",
      "new_seniority": "staff"}, "role"),
])
def test_it_refuses_a_bad_role_naming_the_field(client, alice, alice_deal, data, field):
    client.force_login(alice)
    response = hx(client, "post", url("role_add", alice_deal), data)
    assert "HX-Trigger" not in response
    assert field in response.context["role_form"].errors
    assert f'data-field="{field}"' in response.content.decode()
    assert not DealRole.objects.exists()


def test_it_refuses_a_person_from_another_account(client, alice, alice_deal):
    outsider = StakeholderFactory()
    client.force_login(alice)
    response = hx(client, "post", url("role_add", alice_deal), {
        "stakeholder": outsider.pk, "role": "champion", "stance": "neutral", "influence": "high", "strength": "2",
        "new_seniority": "staff",
    })
    assert "stakeholder" in response.context["role_form"].errors
    assert not DealRole.objects.exists()


def test_it_edits_and_removes_a_role(client, alice, alice_deal):
    role = DealRoleFactory(opportunity=alice_deal, role="champion", stance="neutral", strength=1)
    client.force_login(alice)
    form = hx(client, "get", url("role_edit", alice_deal, role_id=role.pk))
    assert 'data-testid="role-edit-form"' in form.content.decode()
    hx(client, "post", url("role_edit", alice_deal, role_id=role.pk),
       {"stance": "advocate", "influence": "high", "strength": "5"})
    role.refresh_from_db()
    assert (role.stance, role.strength, role.leans_to_competitor) == ("advocate", 5, False)
    response = hx(client, "post", url("role_remove", alice_deal, role_id=role.pk))
    assert response["HX-Trigger"] == "dealChanged, politicalMapChanged"
    assert not DealRole.objects.exists()


def test_it_renders_each_section_for_htmx_refreshes(client, alice, alice_deal):
    client.force_login(alice)
    for name, marker in [("overview", 'id="overview"'), ("map", 'id="political-map"'),
                         ("timeline", 'id="timeline"'), ("history", 'id="history"')]:
        content = hx(client, "get", url("section", alice_deal, name=name)).content.decode()
        assert marker in content and "<html" not in content
    assert hx(client, "get", url("section", alice_deal, name="nope")).status_code == 404


def test_it_shows_a_placeholder_until_a_coaching_app_registers(client, alice, alice_deal, monkeypatch):
    monkeypatch.setattr(panels, "_registry", panels._Registry())
    client.force_login(alice)
    content = client.get(url("detail", alice_deal)).content.decode()
    for key in ("rsvp", "closeplan", "flags"):
        assert f'data-testid="panel-{key}-placeholder"' in content


def test_it_renders_a_registered_panel_with_the_page_context(client, alice, alice_deal, monkeypatch):
    monkeypatch.setattr(panels, "_registry", panels._Registry())
    panels.register_page_panel(panels.DealPagePanel(
        key="rsvp", title="RSVP scorecard", template="deals/_partials/text_cell.html",
        context=lambda *, request, opportunity, as_of: {"text": f"score for {opportunity.name} on {as_of}"},
    ))
    client.force_login(alice)
    content = client.get(url("detail", alice_deal)).content.decode()
    assert "score for Northwind rollout on 2026-03-02" in content
    assert 'data-testid="panel-closeplan-placeholder"' in content
    section = hx(client, "get", url("section", alice_deal, name="panel-rsvp")).content.decode()
    assert 'id="panel-rsvp"' in section and "score for Northwind rollout" in section


def test_it_puts_a_panels_headline_near_the_top_and_refreshes_it_on_its_own(client, alice, alice_deal, monkeypatch):
    monkeypatch.setattr(panels, "_registry", panels._Registry())
    panels.register_page_panel(panels.DealPagePanel(
        key="rsvp", title="RSVP scorecard", template="deals/_partials/text_cell.html",
        headline="deals/_partials/text_cell.html",
        context=lambda *, request, opportunity, as_of: {"text": f"Ask about {opportunity.name}"},
    ))
    client.force_login(alice)
    content = client.get(url("detail", alice_deal)).content.decode()
    assert content.index('id="headline-rsvp"') < content.index('id="panel-rsvp"')
    assert 'hx-trigger="dealChanged from:body"' in content[content.index('id="headline-rsvp"') - 200:]
    section = hx(client, "get", url("section", alice_deal, name="headline-rsvp")).content.decode()
    assert 'id="headline-rsvp"' in section and "Ask about Northwind rollout" in section
    assert hx(client, "get", url("section", alice_deal, name="headline-closeplan")).status_code == 404


def test_it_runs_a_bounded_number_of_queries(client, alice, alice_deal, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(panels, "_registry", panels._Registry())
    people = [DealRoleFactory(opportunity=alice_deal, role="influencer").stakeholder for _ in range(3)]
    for i in range(10):
        ActivityFactory(opportunity=alice_deal, stakeholders=people, summary=f"Touch {i}")
    client.force_login(alice)
    with django_assert_max_num_queries(20):
        assert client.get(url("detail", alice_deal)).status_code == 200


def test_it_runs_the_same_queries_however_many_deals_the_rep_has_and_however_long_the_deals_history(
    client, alice, alice_deal
):
    """The rep's page with every coaching panel registered (bench/run.py measures it for a rep
    with 500 open deals): its query count does not grow with the rep's deals or the deal's history."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import AccountFactory, OpportunityFactory

    client.force_login(alice)
    first = DealRoleFactory(opportunity=alice_deal, role="influencer").stakeholder
    ActivityFactory(opportunity=alice_deal, stakeholders=[first], summary="First touch")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url("detail", alice_deal)).status_code == 200
    account = AccountFactory(owner=alice)
    for i in range(30):
        OpportunityFactory(account=account, name=f"Other deal {i}")
    people = [first, *(DealRoleFactory(opportunity=alice_deal, role="influencer").stakeholder for _ in range(3))]
    for i in range(10):
        ActivityFactory(opportunity=alice_deal, stakeholders=people, summary=f"Touch {i}")
    with CaptureQueriesContext(connection) as large:
        assert client.get(url("detail", alice_deal)).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries), [q["sql"] for q in large.captured_queries]


def test_it_shows_the_coaching_apps_panels_and_columns(client, alice, alice_deal):
    """With the real coaching apps registered: RSVP scorecard and answers, close plan, flags with snooze."""
    from coaching.stale.models import Flag

    Flag.objects.create(opportunity=alice_deal, kind="no_activity", reason="No activity for 20 days",
                        raised_at=datetime(2026, 3, 1, tzinfo=UTC))
    client.force_login(alice)
    content = client.get(url("detail", alice_deal)).content.decode()
    assert 'id="rsvp-scorecard"' in content and 'id="rsvp-answers"' in content
    assert 'data-testid="plan-summary"' in content
    assert "No activity for 20 days" in content and "Snooze" in content
    assert "-placeholder\"" not in content
    listing = client.get(reverse("deals:my_deals"), {"flag": "no_activity"})
    assert [d.pk for d in listing.context["deals"]] == [alice_deal.pk]
    assert "rsvp-chips" in listing.content.decode() and "No activity" in listing.content.decode()
    assert client.get(reverse("deals:my_deals"), {"flag": "decaying"}).context["deals"] == []


def edit_data(client, deal, **overrides):
    initial = hx(client, "get", url("edit", deal)).context["form"].initial
    data = {**initial, "stage": deal.stage_id, "competitors": "", **overrides}
    return {k: ("" if v is None else v) for k, v in data.items()}


@pytest.mark.parametrize(("field", "day", "reason"), [
    ("expected_close_date", "2026-03-01", "This date has passed"),
    ("expected_close_date", "2036-03-03", "Enter a date at most 10 years ahead"),
    ("go_live_date", "2020-01-01", "This date has passed"),
    ("go_live_date", "2036-03-03", "Enter a date at most 10 years ahead"),
])
def test_it_refuses_an_open_deals_date_that_has_passed_or_is_too_far_ahead(client, alice, alice_deal, field, day, reason):
    client.force_login(alice)
    response = hx(client, "post", url("edit", alice_deal), edit_data(client, alice_deal, **{field: day}))
    assert reason in response.context["form"].errors[field][0]
    assert f'aria-describedby="id_{field}_error"' in response.content.decode()
    alice_deal.refresh_from_db()
    assert getattr(alice_deal, field) != date.fromisoformat(day)


@pytest.mark.parametrize("day", ["2026-03-02", "2036-03-02"])
def test_it_accepts_an_open_deals_dates_from_today_to_ten_years_ahead(client, alice, alice_deal, day):
    client.force_login(alice)
    hx(client, "post", url("edit", alice_deal),
       edit_data(client, alice_deal, expected_close_date=day, go_live_date=day))
    alice_deal.refresh_from_db()
    assert alice_deal.expected_close_date == alice_deal.go_live_date == date.fromisoformat(day)


def test_it_keeps_history_a_closed_deal_or_an_untouched_date_may_have(client, alice, alice_deal):
    alice_deal.expected_close_date = date(2025, 12, 1)  # passed before this edit: the stale flags' business
    alice_deal.save()
    client.force_login(alice)
    hx(client, "post", url("edit", alice_deal), edit_data(client, alice_deal, amount="5"))
    alice_deal.refresh_from_db()
    assert alice_deal.amount == Decimal("5")
    hx(client, "post", url("edit", alice_deal), edit_data(
        client, alice_deal, status="lost", lost_reason="Budget cut", expected_close_date="2025-11-03"))
    alice_deal.refresh_from_db()
    assert (alice_deal.status, alice_deal.expected_close_date) == ("lost", date(2025, 11, 3))
