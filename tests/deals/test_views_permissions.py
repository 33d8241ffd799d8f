"""Every desk view fetches with permission: 404 for other teams' deals and accounts."""

import pytest
from django.urls import reverse

from accounts.models import Stakeholder
from deals.models import Activity, DealRole
from tests.factories import DealRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def role(alice_deal):
    return DealRoleFactory(opportunity=alice_deal)


def deal_endpoints(deal, role):
    pk = deal.pk
    return [
        ("get", reverse("deals:detail", kwargs={"pk": pk}), {}),
        ("get", reverse("deals:edit", kwargs={"pk": pk}), {}),
        ("post", reverse("deals:edit", kwargs={"pk": pk}), {"name": "Hacked"}),
        ("get", reverse("deals:section", kwargs={"pk": pk, "name": "timeline"}), {}),
        ("get", reverse("deals:section", kwargs={"pk": pk, "name": "panel-rsvp"}), {}),
        ("post", reverse("deals:log_activity", kwargs={"pk": pk}), {"kind": "call", "summary": "x"}),
        ("post", reverse("deals:role_add", kwargs={"pk": pk}), {"new_name": "Spy", "role": "coach"}),
        ("get", reverse("deals:role_edit", kwargs={"pk": pk, "role_id": role.pk}), {}),
        ("post", reverse("deals:role_edit", kwargs={"pk": pk, "role_id": role.pk}), {"stance": "opponent"}),
        ("post", reverse("deals:role_remove", kwargs={"pk": pk, "role_id": role.pk}), {}),
    ]


@pytest.mark.parametrize("outsider", ["charlie", "dave"])
def test_it_hides_alices_deal_from_other_teams(client, request, alice_deal, role, outsider):
    client.force_login(request.getfixturevalue(outsider))
    for method, path, data in deal_endpoints(alice_deal, role):
        assert getattr(client, method)(path, data).status_code == 404, (method, path)
    alice_deal.refresh_from_db()
    assert alice_deal.name == "Northwind rollout"
    assert not Activity.objects.exists()
    assert DealRole.objects.count() == 1 and not Stakeholder.objects.filter(name="Spy").exists()


@pytest.mark.parametrize("insider", ["alice", "bob", "admin_user"])
def test_it_shows_alices_deal_to_her_her_manager_and_admin(client, request, alice_deal, role, insider):
    client.force_login(request.getfixturevalue(insider))
    assert client.get(reverse("deals:detail", kwargs={"pk": alice_deal.pk})).status_code == 200


def test_it_does_not_let_a_role_of_another_deal_be_edited_through_this_one(client, alice, alice_deal, charlie_deal):
    theirs = DealRoleFactory(opportunity=charlie_deal)
    client.force_login(alice)
    path = reverse("deals:role_remove", kwargs={"pk": alice_deal.pk, "role_id": theirs.pk})
    assert client.post(path).status_code == 404
    assert DealRole.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("outsider", ["charlie", "dave"])
def test_it_hides_alices_account_from_other_teams(client, request, alice_deal, outsider):
    client.force_login(request.getfixturevalue(outsider))
    account = alice_deal.account
    assert client.get(reverse("accounts:detail", kwargs={"pk": account.pk})).status_code == 404
    response = client.post(reverse("accounts:stakeholder_add", kwargs={"pk": account.pk}), {"name": "Spy"})
    assert response.status_code == 404
    assert not Stakeholder.objects.filter(name="Spy").exists()
    assert "Northwind" not in client.get(reverse("accounts:list")).content.decode()


@pytest.mark.parametrize("name, kwargs", [
    ("deals:my_deals", {}), ("deals:quick_add", {}), ("deals:detail", {"pk": 1}), ("accounts:list", {}),
    ("accounts:detail", {"pk": 1}),
])
def test_it_requires_login_everywhere(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
