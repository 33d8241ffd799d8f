"""The rep's side of the mutual plan through the API: share links (emailed), the
comment thread, accepting and declining the buyer's proposals."""

import datetime as dt

import pytest
from django.core import mail
from rest_framework.test import APIClient

from coaching.closeplan import buyer_services
from coaching.closeplan.models import BuyerAccess
from tests.factories import DealRoleFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def base(deal) -> str:
    return f"/api/v1/opportunities/{deal.pk}/close-plan"


@pytest.fixture
def cfo(alice_deal):
    person = StakeholderFactory(account=alice_deal.account, name="Jane Buyer", title="CFO", email="jane@nw.example")
    DealRoleFactory(opportunity=alice_deal, stakeholder=person, role="economic_buyer")
    return person


def _proven_access(link, email) -> BuyerAccess:
    import re

    buyer_services.buyer_request_code(link=link, email=email)
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    return buyer_services.buyer_verify_code(link=link, email=email, code=code)


def test_it_shares_by_email_and_refuses_unknown_recipients(plan, alice, alice_deal, cfo, charlie):
    api = client_for(alice)
    refused = api.post(f"{base(alice_deal)}/share-links/", {"recipients": [999999]}, format="json")
    assert refused.status_code == 400 and "recipients" in refused.json()["errors"]
    created = api.post(f"{base(alice_deal)}/share-links/", {"recipients": [cfo.pk], "note": "Hi"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["recipients"] == [cfo.pk] and "/share/plan/" in created.json()["url"]
    assert mail.outbox[-1].to == [cfo.email]
    assert [link["id"] for link in api.get(f"{base(alice_deal)}/share-links/").json()] == [created.json()["id"]]
    assert client_for(charlie).get(f"{base(alice_deal)}/share-links/").status_code == 404


def test_it_lists_and_answers_comments_and_proposals(plan, alice, alice_deal, cfo):
    api = client_for(alice)
    link_id = api.post(f"{base(alice_deal)}/share-links/", {}, format="json").json()["id"]
    access = _proven_access(plan.share_links.get(pk=link_id), cfo.email)
    comment = buyer_services.buyer_comment(access=access, body="<i>Who</i> runs the pilot?")
    proposal = buyer_services.buyer_propose_date(
        access=access, milestone_key="go_live", proposed_date=dt.date(2025, 10, 13), reason="Board moved"
    )
    listed = api.get(f"{base(alice_deal)}/comments/").json()
    assert listed[0]["body"] == "<i>Who</i> runs the pilot?" and listed[0]["waiting"] is True
    assert api.post(f"{base(alice_deal)}/comments/", {"body": ""}, format="json").status_code == 400
    reply = api.post(f"{base(alice_deal)}/comments/", {"body": "Our SE", "in_reply_to": comment.pk}, format="json")
    assert reply.status_code == 201 and reply.json()["in_reply_to"] == comment.pk
    assert api.get(f"{base(alice_deal)}/comments/").json()[0]["waiting"] is False
    declined = api.post(f"{base(alice_deal)}/proposals/{proposal.pk}/decline/", {}, format="json")
    assert declined.status_code == 400 and "reply" in declined.json()["errors"]
    accepted = api.post(f"{base(alice_deal)}/proposals/{proposal.pk}/accept/", {"reply": "Fine"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    again = api.post(f"{base(alice_deal)}/proposals/{proposal.pk}/decline/", {"reply": "no"}, format="json")
    assert again.status_code == 409
    plan_json = api.get(f"{base(alice_deal)}/").json()
    assert plan_json["go_live_date"] == "2025-10-13"
    assert api.get(f"{base(alice_deal)}/proposals/").json()[0]["status"] == "accepted"
