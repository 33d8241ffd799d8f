"""Account pages: the list, the org chart as a nested tree, adding a stakeholder, the account's deals."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Stakeholder
from accounts.views import org_tree
from tests.factories import AccountFactory, OpportunityFactory, StakeholderFactory

pytestmark = pytest.mark.django_db
LIST = reverse("accounts:list")


def detail(account):
    return reverse("accounts:detail", kwargs={"pk": account.pk})


@pytest.fixture
def org(alice_deal):
    """CEO ← CFO ← Controller, and CEO ← CIO."""
    account = alice_deal.account
    ceo = StakeholderFactory(account=account, name="Cara CEO", seniority="c_level")
    cfo = StakeholderFactory(account=account, name="Finn CFO", seniority="c_level", reports_to=ceo)
    StakeholderFactory(account=account, name="Cory Controller", seniority="manager", reports_to=cfo)
    StakeholderFactory(account=account, name="Ivy CIO", seniority="c_level", reports_to=ceo)
    return account


def test_it_lists_visible_accounts_with_search(client, alice, alice_deal, charlie_deal):
    AccountFactory(owner=alice, name="Contoso")
    client.force_login(alice)
    content = client.get(LIST).content.decode()
    assert "Northwind" in content and "Contoso" in content and "Southwind" not in content
    searched = client.get(LIST, {"q": "conto"}).content.decode()
    assert "Contoso" in searched and "Northwind" not in searched


def test_it_says_what_to_do_without_accounts(client, alice):
    client.force_login(alice)
    assert "No accounts yet" in client.get(LIST).content.decode()


def test_it_lists_accounts_in_a_constant_number_of_queries(client, alice):
    client.force_login(alice)
    for i in range(3):
        OpportunityFactory(account=AccountFactory(owner=alice, name=f"A{i}"))
    with CaptureQueriesContext(connection) as small:
        client.get(LIST)
    for i in range(20):
        OpportunityFactory(account=AccountFactory(owner=alice, name=f"B{i}"))
    with CaptureQueriesContext(connection) as large:
        client.get(LIST)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_it_nests_the_org_chart_by_reports_to(client, alice, org):
    client.force_login(alice)
    response = client.get(detail(org))
    tree = response.context["org_tree"]
    assert [n.person.name for n in tree] == ["Cara CEO"]
    assert [n.person.name for n in tree[0].children] == ["Finn CFO", "Ivy CIO"]
    assert [n.person.name for n in tree[0].children[0].children] == ["Cory Controller"]
    # Rendered as nested lists: the controller sits inside the CFO's <li>.
    content = response.content.decode()
    cfo_item = re.search(r'<li data-testid="org-node"[^>]*>\s*<span class="person"><strong>Finn CFO.*?</li>', content, re.S)
    assert cfo_item and "Cory Controller" in cfo_item.group(0)


def test_it_builds_a_tree_from_depth_first_rows():
    a, b, c, d = (object() for _ in range(4))
    tree = org_tree([(a, 0), (b, 1), (c, 2), (d, 0)])
    assert [n.person for n in tree] == [a, d]
    assert tree[0].children[0].person is b and tree[0].children[0].children[0].person is c


def test_it_shows_only_the_accounts_deals_the_user_may_see(client, alice, bob, alice_deal):
    OpportunityFactory(account=alice_deal.account, owner=bob, name="Bob's upsell")
    client.force_login(alice)
    content = client.get(detail(alice_deal.account)).content.decode()
    assert "Northwind rollout" in content and "Bob&#x27;s upsell" not in content
    client.force_login(bob)
    assert "Bob&#x27;s upsell" in client.get(detail(alice_deal.account)).content.decode()


def test_it_adds_a_stakeholder_with_reports_to(client, alice, org):
    cfo = Stakeholder.objects.get(name="Finn CFO")
    client.force_login(alice)
    response = client.post(reverse("accounts:stakeholder_add", kwargs={"pk": org.pk}), {
        "name": "Ana Analyst", "title": "Financial analyst", "seniority": "staff", "reports_to": cfo.pk,
    }, HTTP_HX_REQUEST="true")
    person = Stakeholder.objects.get(name="Ana Analyst")
    assert (person.account, person.reports_to, person.title) == (org, cfo, "Financial analyst")
    assert 'id="org-chart"' in response.content.decode() and "Ana Analyst" in response.content.decode()


@pytest.mark.parametrize("data, field", [
    ({"name": "", "seniority": "staff"}, "name"),
    ({"name": "X", "seniority": "emperor"}, "seniority"),
    ({"name": "X", "seniority": "staff", "email": "not-an-email"}, "email"),
])
def test_it_refuses_a_bad_stakeholder_naming_the_field(client, alice, org, data, field):
    client.force_login(alice)
    before = Stakeholder.objects.count()
    response = client.post(reverse("accounts:stakeholder_add", kwargs={"pk": org.pk}), {**data, "title": "Kept title"})
    assert response.status_code == 400
    assert list(response.context["stakeholder_form"].errors) == [field]
    content = response.content.decode()
    assert f'data-field="{field}"' in content and "Kept title" in content
    assert Stakeholder.objects.count() == before


def test_it_refuses_a_manager_from_another_account(client, alice, org):
    elsewhere = StakeholderFactory(account=AccountFactory(owner=alice), name="Elsewhere")
    client.force_login(alice)
    response = client.post(reverse("accounts:stakeholder_add", kwargs={"pk": org.pk}),
                           {"name": "X", "seniority": "staff", "reports_to": elsewhere.pk})
    assert "reports_to" in response.context["stakeholder_form"].errors
    assert not Stakeholder.objects.filter(name="X").exists()
