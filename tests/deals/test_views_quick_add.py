"""Quick add (/deals/new/): a deal with its account and first stakeholder from one form."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Account, Stakeholder
from deals import desk_services
from deals.models import DealRole, Opportunity
from tests.factories import AccountFactory, StakeholderFactory

pytestmark = pytest.mark.django_db
URL = reverse("deals:quick_add")
TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), tick=False)


def form_data(**overrides):
    data = {
        "account_name": "Globex Corp", "account_domain": "globex.example",
        "stakeholder_name": "Hank Scorpio", "stakeholder_title": "CEO", "stakeholder_seniority": "c_level",
        "stakeholder_role": "economic_buyer",
        "name": "Globex platform", "amount": "250000", "currency": "EUR", "stage": "qualify",
        "expected_close_date": "2026-06-30",
    }
    data.update(overrides)
    return data


def counts():
    return Account.objects.count(), Stakeholder.objects.count(), Opportunity.objects.count(), DealRole.objects.count()


def test_it_requires_login(client):
    assert client.get(URL).status_code == 302


def test_it_shows_a_keyboard_first_form(client, alice, settings):
    settings.DEALCOACH_DEFAULT_CURRENCY = "GBP"
    client.force_login(alice)
    content = client.get(URL).content.decode()
    assert 'id="id_account_name"' in content and "autofocus" in content
    assert 'value="GBP"' in content
    assert 'type="submit"' in content


def test_it_creates_account_stakeholder_and_deal_then_opens_the_deal(client, alice):
    client.force_login(alice)
    response = client.post(URL, form_data())
    deal = Opportunity.objects.get(name="Globex platform")
    assert response.status_code == 302
    # Straight to the new deal's first action, the activity form.
    assert response["Location"] == reverse("deals:detail", kwargs={"pk": deal.pk}) + "#id_kind"
    assert (deal.owner, deal.amount, deal.currency, deal.stage.slug) == (alice, Decimal("250000"), "EUR", "qualify")
    assert deal.expected_close_date == date(2026, 6, 30)
    assert (deal.account.name, deal.account.domain, deal.account.owner) == ("Globex Corp", "globex.example", alice)
    role = DealRole.objects.get(opportunity=deal)
    assert (role.stakeholder.name, role.stakeholder.title, role.stakeholder.seniority, role.role) == (
        "Hank Scorpio", "CEO", "c_level", "economic_buyer")


def test_it_reuses_an_existing_account_and_stakeholder(client, alice):
    account = AccountFactory(owner=alice, name="Globex Corp")
    person = StakeholderFactory(account=account, name="Hank Scorpio")
    client.force_login(alice)
    client.post(URL, form_data(account_name="globex corp", stakeholder_name="hank scorpio"))
    deal = Opportunity.objects.get(name="Globex platform")
    assert deal.account == account
    assert DealRole.objects.get(opportunity=deal).stakeholder == person
    assert Account.objects.count() == 1 and Stakeholder.objects.count() == 1


def test_it_reuses_a_teammates_account(client, alice, bob):
    account = AccountFactory(owner=bob, name="Globex Corp")
    client.force_login(alice)
    client.post(URL, form_data())
    assert Opportunity.objects.get(name="Globex platform").account == account


def test_it_never_reuses_another_teams_account(client, alice, charlie):
    theirs = AccountFactory(owner=charlie, name="Globex Corp")
    client.force_login(alice)
    client.post(URL, form_data())
    deal = Opportunity.objects.get(name="Globex platform")
    assert deal.account != theirs and deal.account.owner == alice


@pytest.mark.parametrize("field, value, message", [
    ("amount", "-5", "Amount cannot be negative."),
    ("currency", "XYZ", "is not an ISO 4217 currency code"),
    ("account_name", "", "This field is required."),
    ("stakeholder_name", "", "This field is required."),
    ("name", "", "This field is required."),
    ("expected_close_date", "30/30/2026", "Enter a valid date."),
])
def test_it_refuses_bad_input_naming_the_field_and_keeping_what_was_typed(client, alice, field, value, message):
    client.force_login(alice)
    before = counts()
    response = client.post(URL, form_data(**{field: value}))
    assert response.status_code == 400
    assert counts() == before
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in " ".join(form.errors[field])
    content = response.content.decode()
    assert f'data-field="{field}"' in content and "has-error" in content
    # What the user typed is still there, including the rejected value.
    typed = form_data(**{field: value})
    for name in ("account_name", "account_domain", "stakeholder_name", "stakeholder_title", "name", "amount"):
        if typed[name]:
            assert f'value="{typed[name]}"' in content, name


def test_it_creates_nothing_when_a_later_step_fails(client, alice, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"role": ["That role is not allowed here."]})

    monkeypatch.setattr(desk_services, "deal_role_set", refuse)
    client.force_login(alice)
    before = counts()
    response = client.post(URL, form_data())
    assert response.status_code == 400
    assert counts() == before
    assert response.context["form"].errors["stakeholder_role"] == ["That role is not allowed here."]


def test_it_lists_people_at_a_visible_account_for_the_stakeholder_field(client, alice, charlie):
    mine = AccountFactory(owner=alice, name="Initech")
    StakeholderFactory(account=mine, name="Bill Lumbergh")
    theirs = AccountFactory(owner=charlie, name="Hooli")
    StakeholderFactory(account=theirs, name="Gavin Belson")
    client.force_login(alice)
    url = reverse("deals:stakeholder_options")
    assert "Bill Lumbergh" in client.get(url, {"account_name": "initech"}).content.decode()
    assert "Gavin Belson" not in client.get(url, {"account_name": "Hooli"}).content.decode()


@pytest.mark.parametrize(("close", "reason"), [
    ("2026-03-01", "This date has passed"),
    ("1901-01-01", "Enter a date between 2000-01-01 and 2100-12-31"),  # outside every form's horizon first
    ("2036-03-03", "Enter a date at most 10 years ahead"),
])
def test_it_refuses_a_close_date_in_the_past_or_too_far_ahead_at_the_field(client, alice, close, reason):
    client.force_login(alice)
    response = client.post(URL, form_data(expected_close_date=close))
    assert response.status_code == 400 and Opportunity.objects.count() == 0
    content = response.content.decode()
    assert f"Expected close: {reason}" in content
    # The reason is tied to the field for assistive technology.
    assert 'aria-invalid="true"' in content and 'aria-describedby="id_expected_close_date_error"' in content
    assert 'id="id_expected_close_date_error"' in content


@pytest.mark.parametrize("close", ["2026-03-02", "2036-03-02"])
def test_it_accepts_a_close_date_from_today_to_ten_years_ahead(client, alice, close):
    client.force_login(alice)
    assert client.post(URL, form_data(expected_close_date=close)).status_code == 302


def test_it_ties_every_hand_written_field_error_to_its_field(client, alice):
    client.force_login(alice)
    content = client.post(URL, form_data(account_name="", stakeholder_name="", currency="XX")).content.decode()
    for field in ("account_name", "stakeholder_name", "currency"):
        assert f'aria-describedby="id_{field}_error"' in content and f'id="id_{field}_error"' in content
