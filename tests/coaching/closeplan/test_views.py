import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from icalendar import Calendar

from coaching.closeplan.models import ClosePlan, Milestone, ShareLink
from coaching.closeplan.selectors import share_link_token
from coaching.closeplan.services import milestone_update, share_link_create, share_link_revoke
from tests.coaching.closeplan.conftest import GO_LIVE
from tests.factories import DealRoleFactory, StakeholderFactory, prove_buyer_address

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def plan_url(deal, suffix=""):
    return f"/deals/{deal.pk}/plan/{suffix}"


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture(autouse=True)
def clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_it_offers_to_build_a_plan_from_the_deals_go_live(frozen_today, as_alice, alice_deal):
    alice_deal.go_live_date = GO_LIVE
    alice_deal.save()
    response = as_alice.get(plan_url(alice_deal))
    assert response.status_code == 200
    assert b'data-testid="create-form"' in response.content
    assert b'value="2025-09-15"' in response.content


def test_it_builds_the_plan_and_shows_timeline_and_dates(frozen_today, as_alice, alice_deal):
    response = as_alice.post(
        plan_url(alice_deal, "create/"),
        {"go_live_date": "2025-09-15", "why_go_live_matters": "Budget year", "template": "default"},
    )
    assert response.status_code == 302
    page = as_alice.get(plan_url(alice_deal)).content.decode()
    assert 'data-testid="timeline"' in page
    assert "<svg" in page and "cp-critical" in page
    assert "Mon 28 Jul" in page  # sign by
    assert "Contract signed / PO issued" in page


def test_it_keeps_the_input_and_names_the_field_when_create_fails(frozen_today, as_alice, alice_deal):
    response = as_alice.post(
        plan_url(alice_deal, "create/"),
        {"go_live_date": "next spring", "why_go_live_matters": "Keep me", "template": "default"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-field="go_live_date"' in page
    assert "Keep me" in page
    assert not ClosePlan.objects.exists()


def test_it_hides_plans_of_deals_the_user_cannot_see(plan, client, charlie, alice_deal):
    client.force_login(charlie)
    for url in (plan_url(alice_deal), f"/deals/{alice_deal.pk}/plan.csv", f"/deals/{alice_deal.pk}/plan.ics"):
        assert client.get(url).status_code == 404
    assert client.post(plan_url(alice_deal, "milestones/kickoff/edit/"), {"name": "x"}).status_code == 404
    assert client.post(plan_url(alice_deal, "share/")).status_code == 404


def test_it_lets_the_manager_see_the_plan(plan, client, bob, alice_deal):
    client.force_login(bob)
    assert client.get(plan_url(alice_deal)).status_code == 200


def test_it_sends_anonymous_users_to_log_in(plan, client, alice_deal):
    response = client.get(plan_url(alice_deal))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_it_renders_the_plan_page_in_a_fixed_number_of_queries(
    plan, as_alice, alice_deal, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        assert as_alice.get(plan_url(alice_deal)).status_code == 200


def test_it_edits_a_milestone_inline_with_htmx(plan, as_alice, alice_deal):
    form = as_alice.get(plan_url(alice_deal, "milestones/kickoff/edit/"), **HX)
    assert form.status_code == 200
    assert b'data-testid="edit-form"' in form.content
    assert b"<html" not in form.content  # a fragment

    response = as_alice.post(
        plan_url(alice_deal, "milestones/kickoff/edit/"),
        {
            "name": "Kickoff workshop",
            "side": "both",
            "duration_days": "8",
            "depends_on": ["contract_signed"],
            "owner": "",
            "done_on": "",
            "version": "1",
        },
        **HX,
    )
    assert response.status_code == 200
    assert b'id="plan-editor"' in response.content
    assert b"Kickoff workshop" in response.content
    kickoff = Milestone.objects.get(plan=plan, key="kickoff")
    assert (kickoff.name, kickoff.duration_days) == ("Kickoff workshop", 8)


def test_it_shows_a_cycle_on_the_field_and_keeps_the_input(plan, as_alice, alice_deal):
    response = as_alice.post(
        plan_url(alice_deal, "milestones/evaluation/edit/"),
        {
            "name": "Renamed evaluation",
            "side": "customer",
            "duration_days": "15",
            "depends_on": ["kickoff"],
            "owner": "",
            "done_on": "",
            "version": "1",
        },
        **HX,
    )
    page = response.content.decode()
    assert 'data-field="depends_on"' in page
    assert "Dependency cycle" in page and "evaluation" in page and "kickoff" in page
    assert 'value="Renamed evaluation"' in page  # nothing lost
    assert Milestone.objects.get(plan=plan, key="evaluation").name == "Evaluation / proof of value complete"


def test_it_shows_a_negative_duration_on_the_field_without_htmx(plan, as_alice, alice_deal):
    response = as_alice.post(
        plan_url(alice_deal, "milestones/add/"),
        {
            "add-name": "Security review",
            "add-side": "both",
            "add-duration_days": "-4",
            "add-owner": "",
            "add-version": "1",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-field="duration_days"' in page and "negative duration" in page
    assert 'value="Security review"' in page
    assert "<html" in page


def test_it_refuses_an_edit_made_on_a_stale_version(plan, as_alice, alice_deal, alice):
    milestone_update(actor=alice, plan=plan, key="kickoff", data={"duration_days": 6})
    response = as_alice.post(
        plan_url(alice_deal, "milestones/kickoff/edit/"),
        {
            "name": "Kickoff",
            "side": "both",
            "duration_days": "9",
            "depends_on": ["contract_signed"],
            "owner": "",
            "done_on": "",
            "version": "1",
        },
        **HX,
    )
    assert "Someone changed the plan" in response.content.decode()
    assert Milestone.objects.get(plan=plan, key="kickoff").duration_days == 6


def test_it_adds_a_milestone_with_an_owner(plan, as_alice, alice_deal, buyer):
    response = as_alice.post(
        plan_url(alice_deal, "milestones/add/"),
        {
            "add-name": "Security review",
            "add-side": "customer",
            "add-duration_days": "5",
            "add-depends_on": ["executive_approval"],
            "add-required_by": ["contract_signed"],
            "add-owner": f"stakeholder:{buyer.pk}",
            "add-version": "1",
        },
    )
    assert response.status_code == 302
    added = Milestone.objects.get(plan=plan, key="security_review")
    assert added.owner == buyer
    assert "security_review" in Milestone.objects.get(plan=plan, key="contract_signed").depends_on


def test_it_marks_done_reopens_and_removes(plan, as_alice, alice_deal):
    as_alice.post(
        plan_url(alice_deal, "milestones/evaluation/done/"), {"done_on": "2025-06-02", "version": "1"}, **HX
    )
    assert Milestone.objects.get(plan=plan, key="evaluation").done_on == dt.date(2025, 6, 2)
    as_alice.post(plan_url(alice_deal, "milestones/evaluation/done/"), {"reopen": "1", "version": "2"}, **HX)
    assert Milestone.objects.get(plan=plan, key="evaluation").done_on is None
    response = as_alice.post(
        plan_url(alice_deal, "milestones/evaluation/done/"), {"done_on": "2025-06-20"}, **HX
    )
    assert "cannot be done in the future" in response.content.decode()
    as_alice.post(plan_url(alice_deal, "milestones/reference_check/remove/"), {"version": "3"})
    assert not Milestone.objects.filter(plan=plan, key="reference_check").exists()


def test_it_moves_the_go_live(plan, as_alice, alice_deal):
    as_alice.post(
        plan_url(alice_deal, "settings/"),
        {"go_live_date": "2025-09-22", "why_go_live_matters": "x", "version": "1"},
    )
    plan.refresh_from_db()
    assert plan.go_live_date == dt.date(2025, 9, 22)


def test_it_creates_and_revokes_share_links(plan, as_alice, alice_deal):
    page = as_alice.post(plan_url(alice_deal, "share/"), {"valid_days": "14"}, **HX).content.decode()
    link = ShareLink.objects.get()
    assert f"/share/plan/{share_link_token(link)}/" in page
    as_alice.post(plan_url(alice_deal, f"share/{link.pk}/revoke/"), **HX)
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_it_exports_csv_and_ics_from_the_browser(plan, as_alice, alice_deal):
    csv = as_alice.get(f"/deals/{alice_deal.pk}/plan.csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines()[0].startswith("key,name,side,owner")
    ics = as_alice.get(f"/deals/{alice_deal.pk}/plan.ics")
    events = Calendar.from_ical(ics.content).walk("VEVENT")
    assert sorted(str(e["UID"]) for e in events)[0] == f"{plan.pk}-contract_signed@dealcoach"


# --- the buyer's page ----------------------------------------------------------------


@pytest.fixture
def secret_deal(alice_deal):
    alice_deal.amount = Decimal("987654.32")
    alice_deal.notes = "SECRET-INTERNAL-NOTE"
    alice_deal.strategy_notes = "SECRET-STRATEGY"
    alice_deal.save()
    return alice_deal


def test_the_buyer_sees_the_plan_and_nothing_internal(plan, client, alice, secret_deal, buyer):
    buyer.email = "jane@northwind.example"
    buyer.save()
    DealRoleFactory(opportunity=secret_deal, stakeholder=buyer, role="economic_buyer")
    other = StakeholderFactory(account=secret_deal.account, email="OTHER-EMAIL@northwind.example")
    DealRoleFactory(opportunity=secret_deal, stakeholder=other)
    milestone_update(actor=alice, plan=plan, key="executive_approval", data={"owner": buyer})
    _, token = share_link_create(actor=alice, plan=plan)
    gate = client.get(f"/share/plan/{token}/").content.decode()
    assert "Northwind" not in gate and "Business case" not in gate  # nothing before the address is proven
    assert prove_buyer_address(client, token, buyer.email).status_code == 302
    response = client.get(f"/share/plan/{token}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Northwind" in page and "Business case approved by economic buyer" in page
    assert "Jane Buyer" in page and "New fiscal year starts." in page
    assert "Monday 15 September 2025" in page
    for secret in (
        "987654",
        "987,654",
        "SECRET-INTERNAL-NOTE",
        "SECRET-STRATEGY",
        "Discover",
        "RSVP",
        "USD",
        "OTHER-EMAIL",
    ):
        assert secret not in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_buyer_confirms_as_the_stakeholder_they_proved(plan, client, alice, alice_deal, buyer):
    buyer.email = "jane@northwind.example"
    buyer.save()
    DealRoleFactory(opportunity=alice_deal, stakeholder=buyer, role="decision_maker")
    _, token = share_link_create(actor=alice, plan=plan)
    prove_buyer_address(client, token, buyer.email)
    response = client.post(f"/share/plan/{token}/confirm/", {"version": "1"})
    assert response.status_code == 302
    assert 'data-testid="confirmed"' in client.get(response.url).content.decode()
    plan.refresh_from_db()
    assert (plan.validated_by_name, plan.validated_version, plan.validated_by_role) == (
        "Jane Buyer", 1, "decision_maker")


def test_the_buyers_form_shows_the_field_and_the_reason(plan, client, alice, alice_deal, buyer):
    buyer.email = "jane@northwind.example"
    buyer.save()
    DealRoleFactory(opportunity=alice_deal, stakeholder=buyer)
    _, token = share_link_create(actor=alice, plan=plan)
    prove_buyer_address(client, token, buyer.email)
    response = client.post(f"/share/plan/{token}/propose/",
                           {"milestone_key": "evaluation", "proposed_date": "2025-05-01", "reason": "x"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-field="proposed_date"' in page and 'id="id_propose_evaluation_proposed_date_error"' in page
    assert 'aria-describedby="id_propose_evaluation_proposed_date_error"' in page


def test_the_buyer_reviews_again_when_the_plan_changed_meanwhile(plan, client, alice, alice_deal, buyer):
    buyer.email = "jane@northwind.example"
    buyer.save()
    DealRoleFactory(opportunity=alice_deal, stakeholder=buyer)
    _, token = share_link_create(actor=alice, plan=plan)
    prove_buyer_address(client, token, buyer.email)
    milestone_update(actor=alice, plan=plan, key="kickoff", data={"duration_days": 7})
    response = client.post(f"/share/plan/{token}/confirm/", {"version": "1"})
    assert response.status_code == 409
    assert "changed while you were reading" in response.content.decode()
    plan.refresh_from_db()
    assert plan.validated_version is None


def test_an_expired_link_says_so(plan, client, alice, time_machine):
    _, token = share_link_create(actor=alice, plan=plan, valid_days=3)
    time_machine.move_to(dt.datetime(2025, 6, 6, tzinfo=dt.UTC))
    response = client.get(f"/share/plan/{token}/")
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert "Evaluation" not in response.content.decode()


def test_a_revoked_link_says_so(plan, client, alice):
    link, token = share_link_create(actor=alice, plan=plan)
    share_link_revoke(actor=alice, link=link)
    response = client.get(f"/share/plan/{token}/")
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert client.post(f"/share/plan/{token}/confirm/", {"version": "1"}).status_code == 410


def test_a_forged_token_is_not_found(plan, client):
    assert client.get("/share/plan/1:forged:token/").status_code == 404


def test_the_buyers_page_is_rate_limited_per_address(plan, client, alice):
    _, token = share_link_create(actor=alice, plan=plan)
    statuses = [client.get(f"/share/plan/{token}/").status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429
    other = client.get(f"/share/plan/{token}/", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_the_buyer_can_download_the_calendar(plan, client, alice, alice_deal, buyer):
    buyer.email = "jane@northwind.example"
    buyer.save()
    DealRoleFactory(opportunity=alice_deal, stakeholder=buyer)
    _, token = share_link_create(actor=alice, plan=plan)
    assert client.get(f"/share/plan/{token}/plan.ics").status_code == 403
    prove_buyer_address(client, token, buyer.email)
    response = client.get(f"/share/plan/{token}/plan.ics")
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 10


def test_it_points_out_a_deal_go_live_that_differs_from_the_plans(plan, as_alice, alice_deal):
    assert b"go-live-mismatch" not in as_alice.get(plan_url(alice_deal)).content
    alice_deal.go_live_date = dt.date(2025, 10, 1)
    alice_deal.save()
    assert b"go-live-mismatch" in as_alice.get(plan_url(alice_deal)).content


def test_a_link_to_a_deleted_deal_no_longer_opens(plan, client, alice, alice_deal):
    _, token = share_link_create(actor=alice, plan=plan)
    alice_deal.mark_deleted()
    alice_deal.save()
    response = client.get(f"/share/plan/{token}/")
    assert response.status_code == 410
    assert "Evaluation" not in response.content.decode()


@pytest.mark.parametrize(("go_live", "reason"), [
    ("2025-06-01", "This date has passed"),
    ("2020-01-01", "This date has passed"),
    ("2035-06-03", "Enter a date at most 10 years ahead"),
])
def test_it_refuses_a_go_live_that_has_passed_or_is_too_far_ahead_at_the_field(
        frozen_today, as_alice, alice_deal, go_live, reason):
    response = as_alice.post(plan_url(alice_deal, "create/"),
                             {"go_live_date": go_live, "why_go_live_matters": "", "template": "default"})
    assert response.status_code == 400 and not ClosePlan.objects.exists()
    page = response.content.decode()
    assert reason in page and 'aria-describedby="id_go_live_date_helptext id_go_live_date_error"' in page


@pytest.mark.parametrize("go_live", ["2025-06-02", "2035-06-02"])
def test_it_accepts_a_go_live_from_today_to_ten_years_ahead(frozen_today, as_alice, alice_deal, go_live):
    response = as_alice.post(plan_url(alice_deal, "create/"),
                             {"go_live_date": go_live, "why_go_live_matters": "", "template": "default"})
    assert response.status_code == 302
    assert ClosePlan.objects.get().go_live_date == dt.date.fromisoformat(go_live)


def test_it_keeps_an_unchanged_go_live_that_has_passed(plan, as_alice, alice, alice_deal, time_machine):
    time_machine.move_to(dt.datetime(2025, 10, 1, 9, 0, tzinfo=dt.UTC))  # the go-live (15 Sep) is behind us
    as_alice.force_login(alice)  # a new session: the one from June has expired
    response = as_alice.post(plan_url(alice_deal, "settings/"),
                             {"go_live_date": "2025-09-15", "why_go_live_matters": "Went live", "version": str(plan.version)})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.why_go_live_matters == "Went live"
    refused = as_alice.post(plan_url(alice_deal, "settings/"),
                            {"go_live_date": "2025-09-30", "why_go_live_matters": "", "version": str(plan.version)})
    assert refused.status_code == 400 and "This date has passed" in refused.content.decode()
