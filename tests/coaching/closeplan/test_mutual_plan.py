"""The mutual plan: the buyer proves their address with a one-time code, then
comments, proposes dates, marks their steps done, names owners and confirms;
the rep accepts or declines proposals and replies."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from coaching.closeplan import buyer_services
from coaching.closeplan.models import BuyerAccess, BuyerAction, ClosePlan, DateProposal, PlanChange
from coaching.closeplan.schedule import can_sign
from coaching.closeplan.selectors import customer_waiting_counts, plan_get_for_opportunity
from coaching.closeplan.services import share_link_create, share_link_revoke
from dealcoach.audit.models import AuditEvent
from sync.models import WebhookDelivery
from sync.webhooks import webhook_subscription_create
from tests.factories import DealRoleFactory, StakeholderFactory, prove_buyer_address

pytestmark = pytest.mark.django_db

MARKUP = '<script>alert("x")</script><b>bold</b>'


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cfo(alice_deal):
    person = StakeholderFactory(account=alice_deal.account, name="Jane Buyer", title="CFO", seniority="c_level",
                                email="jane@northwind.example")
    DealRoleFactory(opportunity=alice_deal, stakeholder=person, role="economic_buyer")
    return person


@pytest.fixture
def analyst(alice_deal):
    person = StakeholderFactory(account=alice_deal.account, name="Sam Junior", title="Analyst", seniority="staff",
                                email="sam@northwind.example")
    DealRoleFactory(opportunity=alice_deal, stakeholder=person, role="user_buyer")
    return person


@pytest.fixture
def shared(plan, alice):
    return share_link_create(actor=alice, plan=plan)


def _code_from(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def _proven(link, email):
    buyer_services.buyer_request_code(link=link, email=email)
    return buyer_services.buyer_verify_code(link=link, email=email, code=_code_from(mail.outbox[-1]))


def test_it_knows_which_roles_can_sign():
    assert all(can_sign(r) for r in ("economic_buyer", "decision_maker", "procurement", "legal"))
    assert not any(can_sign(r) for r in ("champion", "user_buyer", "technical_buyer", "", None))


def test_it_accepts_a_code_once(shared, cfo):
    link, _ = shared
    buyer_services.buyer_request_code(link=link, email="JANE@northwind.example ")
    code = _code_from(mail.outbox[-1])
    assert mail.outbox[-1].to == ["jane@northwind.example"]
    access = BuyerAccess.objects.get(link=link)
    assert code not in access.code_hash and len(access.code_hash) == 64
    proven = buyer_services.buyer_verify_code(link=link, email="jane@northwind.example", code=code)
    assert proven.stakeholder == cfo and proven.verified_at
    with pytest.raises(buyer_services.CodeRefused, match="already used"):
        buyer_services.buyer_verify_code(link=link, email="jane@northwind.example", code=code)


def test_a_code_expires(shared, cfo, time_machine):
    link, _ = shared
    buyer_services.buyer_request_code(link=link, email=cfo.email)
    code = _code_from(mail.outbox[-1])
    time_machine.move_to(dt.datetime(2025, 6, 2, 9, buyer_services.CODE_MINUTES, 1, tzinfo=dt.UTC))
    with pytest.raises(buyer_services.CodeRefused, match="expired"):
        buyer_services.buyer_verify_code(link=link, email=cfo.email, code=code)


def test_five_wrong_codes_lock_the_link_for_that_address(shared, cfo, analyst):
    link, _ = shared
    buyer_services.buyer_request_code(link=link, email=cfo.email)
    code = _code_from(mail.outbox[-1])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        with pytest.raises(buyer_services.CodeRefused):
            buyer_services.buyer_verify_code(link=link, email=cfo.email, code=wrong)
    with pytest.raises(buyer_services.AddressLocked):
        buyer_services.buyer_verify_code(link=link, email=cfo.email, code=wrong)
    with pytest.raises(buyer_services.AddressLocked):  # even the right code is refused now
        buyer_services.buyer_verify_code(link=link, email=cfo.email, code=code)
    sent = len(mail.outbox)
    buyer_services.buyer_request_code(link=link, email=cfo.email)
    assert len(mail.outbox) == sent  # no new code for a locked address
    assert _proven(link, analyst.email).stakeholder == analyst  # other addresses are not locked


def test_an_unknown_email_is_refused_without_saying_whether_the_deal_exists(client, shared, cfo, alice_deal):
    _, token = shared
    stranger = client.post(f"/share/plan/{token}/identify/", {"email": "who@else.example"})
    known = client.post(f"/share/plan/{token}/identify/", {"email": cfo.email})
    assert stranger.status_code == known.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [cfo.email]
    strange_page = stranger.content.decode()

    def neutral(page, email):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.replace(email, "X"))

    assert neutral(strange_page, "who@else.example") == neutral(known.content.decode(), cfo.email)
    assert "Northwind" not in strange_page and alice_deal.name not in strange_page
    refused = client.post(f"/share/plan/{token}/verify/", {"email": "who@else.example", "code": "123456"})
    assert refused.status_code == 400 and "Northwind" not in refused.content.decode()
    assert client.get(f"/share/plan/{token}/").content.decode().count("Evaluation") == 0


def test_a_person_the_rep_sent_it_to_may_open_it_without_a_role(plan, alice, alice_deal):
    guest = StakeholderFactory(account=alice_deal.account, email="pat@northwind.example")
    link, _ = buyer_services.share_link_send(
        actor=alice, plan=plan, recipients=[guest], note="As discussed", url_for_token=lambda t: f"https://x/{t}"
    )
    assert mail.outbox[-1].to == [guest.email] and "As discussed" in mail.outbox[-1].body
    assert _proven(link, guest.email).stakeholder == guest


def test_a_junior_confirmation_is_not_validation_by_someone_who_can_sign(plan, shared, analyst, cfo, alice_deal):
    link, _ = shared
    buyer_services.buyer_confirm(access=_proven(link, analyst.email), seen_version=plan.version)
    summary = plan_get_for_opportunity(opportunity_id=alice_deal.pk)
    assert summary.is_validated and summary.validated_by_stakeholder == analyst
    assert summary.validated_by_label == "Sam Junior, Analyst" and summary.validated_by_role == "user_buyer"
    assert not summary.validated_by_someone_who_can_sign
    buyer_services.buyer_confirm(access=_proven(link, cfo.email), seen_version=plan.version)
    assert ClosePlan.objects.get(pk=plan.pk).validated_by_someone_who_can_sign


def test_a_revoked_link_stops_every_buyer_action(client, plan, shared, cfo, alice):
    link, token = shared
    assert prove_buyer_address(client, token, cfo.email).status_code == 302
    access = BuyerAccess.objects.get(link=link)
    share_link_revoke(actor=alice, link=link)
    link.refresh_from_db()
    access.link = link
    actions = {
        "comment": {"body": "hello", "milestone_key": ""},
        "propose": {"milestone_key": "go_live", "proposed_date": "2025-10-01", "reason": "later"},
        "done": {"milestone_key": "evaluation", "done_on": "2025-06-02"},
        "owner": {"milestone_key": "evaluation", "owner": str(cfo.pk)},
        "confirm": {"version": "1"},
    }
    for action, data in actions.items():
        assert client.post(f"/share/plan/{token}/{action}/", data).status_code == 410, action
    for call in (
        lambda: buyer_services.buyer_comment(access=access, body="x"),
        lambda: buyer_services.buyer_propose_date(access=access, milestone_key="go_live",
                                                  proposed_date=dt.date(2025, 10, 1), reason="x"),
        lambda: buyer_services.buyer_mark_done(access=access, milestone_key="evaluation", done_on=dt.date(2025, 6, 2)),
        lambda: buyer_services.buyer_name_owner(access=access, milestone_key="evaluation", owner=cfo),
        lambda: buyer_services.buyer_confirm(access=access, seen_version=1),
        lambda: buyer_services.buyer_request_code(link=link, email=cfo.email),
    ):
        with pytest.raises(buyer_services.services.ShareLinkUnusable):
            call()
    assert not BuyerAction.objects.exclude(kind="verified").exists()


def test_markup_in_a_comment_is_escaped_in_the_page_the_email_and_the_webhook(
    client, plan, shared, cfo, alice, alice_deal, settings
):
    settings.DEALCOACH_WEBHOOKS_ALLOW_PRIVATE = True
    _, token = shared
    alice.email = "alice@dealcoach.example"
    alice.save()
    webhook_subscription_create(owner=alice, url="http://127.0.0.1:9/hook", events=["close_plan.commented"])
    prove_buyer_address(client, token, cfo.email)
    response = client.post(f"/share/plan/{token}/comment/", {"milestone_key": "evaluation", "body": MARKUP})
    assert response.status_code == 302
    page = client.get(f"/share/plan/{token}/").content.decode()
    assert MARKUP not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    client.force_login(alice)
    rep_page = client.get(reverse("closeplan:plan", args=[alice_deal.pk])).content.decode()
    assert MARKUP not in rep_page and "&lt;b&gt;bold&lt;/b&gt;" in rep_page
    payload = WebhookDelivery.objects.get(event="close_plan.commented").payload
    assert payload["stakeholder"]["name"] == "Jane Buyer"
    assert payload["comment"]["text"] == MARKUP  # the data as typed, for a receiver that escapes itself
    assert "<script>" not in payload["comment"]["html"] and "&lt;script&gt;" in payload["comment"]["html"]
    from coaching.stale.services import flags_send_digests

    mail.outbox.clear()
    flags_send_digests()
    digest = mail.outbox[-1]
    html = digest.alternatives[0][0]
    assert "Jane Buyer" in digest.body and "<script>" not in html and "&lt;script&gt;" in html


def test_the_rep_accepts_a_later_go_live_and_the_deal_follows(plan, shared, cfo, alice, alice_deal):
    link, _ = shared
    access = _proven(link, cfo.email)
    old_sign_by = plan_get_for_opportunity(opportunity_id=alice_deal.pk).milestones.get(key="contract_signed")
    proposal = buyer_services.buyer_propose_date(
        access=access, milestone_key="go_live", proposed_date=dt.date(2025, 10, 13), reason="Board moved"
    )
    assert customer_waiting_counts(opportunity_ids=[alice_deal.pk]) == {alice_deal.pk: 1}
    assert ClosePlan.objects.get(pk=plan.pk).go_live_date == dt.date(2025, 9, 15)  # nothing moves yet
    buyer_services.proposal_accept(actor=alice, proposal=proposal, reply="Works for us")
    alice_deal.refresh_from_db()
    assert alice_deal.go_live_date == dt.date(2025, 10, 13)
    new_sign_by = plan_get_for_opportunity(opportunity_id=alice_deal.pk).milestones.get(key="contract_signed")
    assert new_sign_by.latest_finish > old_sign_by.latest_finish
    change = PlanChange.objects.get(field="go_live_date")
    assert change.changed_by_stakeholder == cfo and change.changed_by == alice
    assert DateProposal.objects.get().status == "accepted"
    assert customer_waiting_counts(opportunity_ids=[alice_deal.pk]) == {}
    with pytest.raises(buyer_services.ProposalAlreadyDecided):
        buyer_services.proposal_decline(actor=alice, proposal=proposal, reply="no")


def test_the_rep_declines_with_a_reply_the_buyer_sees(client, plan, shared, cfo, alice):
    link, token = shared
    prove_buyer_address(client, token, cfo.email)
    client.post(f"/share/plan/{token}/propose/",
                {"milestone_key": "evaluation", "proposed_date": "2025-07-31", "reason": "Holidays"})
    proposal = DateProposal.objects.get()
    with pytest.raises(buyer_services.ValidationError):
        buyer_services.proposal_decline(actor=alice, proposal=proposal, reply=" ")
    buyer_services.proposal_decline(actor=alice, proposal=proposal, reply="Then we miss the board")
    assert "Then we miss the board" in client.get(f"/share/plan/{token}/").content.decode()


def test_the_buyer_marks_their_own_step_done_but_not_ours(plan, shared, cfo):
    link, _ = shared
    access = _proven(link, cfo.email)
    done = buyer_services.buyer_mark_done(access=access, milestone_key="evaluation", done_on=dt.date(2025, 6, 2))
    assert done.done_on == dt.date(2025, 6, 2) and done.done_by_stakeholder == cfo
    with pytest.raises(buyer_services.ValidationError):
        buyer_services.buyer_mark_done(access=access, milestone_key="kickoff", done_on=dt.date(2025, 6, 2))
    with pytest.raises(buyer_services.ValidationError):
        buyer_services.buyer_mark_done(access=access, milestone_key="reference_check", done_on=dt.date(2025, 6, 9))


def test_every_buyer_action_is_audited_with_the_stakeholder(client, plan, shared, cfo, alice_deal):
    _, token = shared
    prove_buyer_address(client, token, cfo.email)
    client.post(f"/share/plan/{token}/comment/", {"milestone_key": "", "body": "Looks right"})
    client.post(f"/share/plan/{token}/owner/", {"milestone_key": "evaluation", "owner": str(cfo.pk)})
    client.post(f"/share/plan/{token}/confirm/", {"version": str(ClosePlan.objects.get(pk=plan.pk).version)})
    events = AuditEvent.objects.filter(resource="close_plan_buyer_action", opportunity_id=alice_deal.pk)
    kinds = sorted(e.changes["kind"][1] for e in events)
    assert kinds == ["commented", "confirmed", "named_owner", "verified"]
    assert {e.changes["stakeholder_id"][1] for e in events} == {cfo.pk}


def test_the_buyers_page_runs_in_few_queries(client, plan, shared, cfo, django_assert_max_num_queries):
    link, token = shared
    prove_buyer_address(client, token, cfo.email)
    access = BuyerAccess.objects.get(link=link)
    buyer_services.buyer_comment(access=access, body="One", milestone_key="evaluation")
    with django_assert_max_num_queries(10):
        assert client.get(f"/share/plan/{token}/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(f"/share/plan/{token}/plan.ics").status_code == 200


def test_the_rep_shares_by_email_and_replies(client, plan, cfo, alice, alice_deal):
    client.force_login(alice)
    url = reverse("closeplan:share_email", args=[alice_deal.pk])
    assert "Jane Buyer, CFO (on the deal)" in client.get(url).content.decode()
    refused = client.post(url, {"note": "hi", "valid_days": "30"})
    assert refused.status_code == 400 and 'data-field="recipients"' in refused.content.decode()
    response = client.post(url, {"recipients": [cfo.pk], "note": "Our plan <b>draft</b>", "valid_days": "30"})
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == [cfo.email] and "/share/plan/" in message.body
    assert "&lt;b&gt;draft&lt;/b&gt;" in message.alternatives[0][0]
    link = plan.share_links.get()
    access = _proven(link, cfo.email)
    comment = buyer_services.buyer_comment(access=access, body="Who runs the pilot?")
    assert customer_waiting_counts(opportunity_ids=[alice_deal.pk]) == {alice_deal.pk: 1}
    assert b"customer-waiting" in client.get(reverse("deals:detail", args=[alice_deal.pk])).content
    assert b"customer-waiting" in client.get(reverse("deals:my_deals")).content
    reply = client.post(reverse("closeplan:comment_reply", args=[alice_deal.pk, comment.pk]), {"body": "Our SE"})
    assert reply.status_code == 302
    assert customer_waiting_counts(opportunity_ids=[alice_deal.pk]) == {}


def test_every_buyer_action_needs_a_csrf_token(plan, shared, cfo):
    from django.test import Client

    _, token = shared
    strict = Client(enforce_csrf_checks=True)
    for action in ("identify", "verify", "comment", "propose", "done", "owner", "confirm"):
        assert strict.post(f"/share/plan/{token}/{action}/", {"email": cfo.email}).status_code == 403, action


def test_buyer_actions_are_rate_limited_per_address_and_per_link(client, plan, shared, cfo, analyst):
    from coaching.closeplan import public_views

    _, token = shared
    prove_buyer_address(client, token, cfo.email)  # two actions: the code asked, the code tried
    statuses = [
        client.post(f"/share/plan/{token}/comment/", {"body": f"n{i}"}, REMOTE_ADDR=f"10.1.0.{i}").status_code
        for i in range(public_views.ADDRESS_ACTION_LIMIT - 1)
    ]
    assert statuses == [302] * (public_views.ADDRESS_ACTION_LIMIT - 2) + [429]  # the address, whatever the IP
    others = [
        client.post(f"/share/plan/{token}/identify/", {"email": f"x{i}@e.example"}, REMOTE_ADDR=f"10.2.0.{i}")
        for i in range(public_views.LINK_ACTION_LIMIT)
    ]
    assert others[-1].status_code == 429  # the link, whatever the address and the IP


def test_a_formula_in_a_comment_is_text_in_the_csv(client, plan, shared, cfo, alice, alice_deal):
    link, _ = shared
    buyer_services.buyer_comment(access=_proven(link, cfo.email), body='=HYPERLINK("http://evil.example")')
    client.force_login(alice)
    csv_text = client.get(reverse("closeplan:thread_csv", args=[alice_deal.pk])).content.decode()
    assert "'=HYPERLINK" in csv_text and "Jane Buyer" in csv_text


def test_the_share_flow_adds_at_most_one_query_to_the_deal_page(
    client, plan, shared, cfo, alice, alice_deal, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coaching.closeplan import panels

    link, _ = shared
    buyer_services.buyer_comment(access=_proven(link, cfo.email), body="Waiting for you")
    client.force_login(alice)
    url = reverse("deals:detail", args=[alice_deal.pk])
    client.get(url)  # warm the caches the page keeps
    with CaptureQueriesContext(connection) as with_share_flow:
        assert b"Customer waiting on you: 1" in client.get(url).content
    monkeypatch.setattr(panels, "customer_waiting_counts", lambda **kwargs: {})
    with CaptureQueriesContext(connection) as without:
        client.get(url)
    assert len(with_share_flow.captured_queries) - len(without.captured_queries) <= 1
