"""Outbound webhooks: subscriptions API, the delivery outbox, signing, retries."""

import base64
import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.db import transaction
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from dealcoach.celery import app as celery_app
from deals.services import opportunity_soft_delete, opportunity_update
from sync.models import WebhookDelivery, WebhookSubscription
from sync.signing import secret_generate, signature_check, signature_headers
from sync.tasks import deliver_webhooks
from sync.urlcheck import check_webhook_url
from sync.webhooks import webhook_subscription_create, webhooks_emit
from tests.api.conftest import client_for
from tests.conftest import NPM_PACKAGE_DIR, run_tool

pytestmark = pytest.mark.django_db

SECRET = "a-long-enough-test-secret"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def private_webhooks_allowed(settings):
    settings.DEALCOACH_WEBHOOKS_ALLOW_PRIVATE = True


class Receiver:
    """A tiny webhook receiver on 127.0.0.1, answering the scripted statuses in turn."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/dealcoach"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_a_generated_secret_verifies_with_the_standard_webhooks_library(alice, alice_deal):
    with Receiver([204]) as receiver, time_machine.travel(NOW, tick=False):
        subscription = webhook_subscription_create(owner=alice, url=receiver.url, events=["opportunity.updated"])
        assert subscription.secret.startswith("whsec_")
        opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Signed rollout"})
        deliver_webhooks()
        [(headers, body)] = receiver.requests
        assert Webhook(subscription.secret).verify(body, headers)["data"]["name"] == "Signed rollout"


@pytest.mark.clients
def test_a_delivery_verifies_with_the_node_library(npm_tools, tmp_path):
    """The Node receiver of docs/sync.md (tests/api/clients/verify_webhook.js) accepts our signature."""
    secret, body = secret_generate(), b'{"id":7,"event":"opportunity.updated","data":{"id":42}}'
    headers = signature_headers(secret=secret, message_id="7", timestamp=int(time.time()), body=body)
    (tmp_path / "body.json").write_bytes(body)
    (tmp_path / "headers.json").write_text(json.dumps(headers))
    verified = run_tool(["node", str(NPM_PACKAGE_DIR / "verify_webhook.js"), secret, str(tmp_path / "body.json"),
                         str(tmp_path / "headers.json")], cwd=tmp_path,
                        env={"NODE_PATH": str(npm_tools / "node_modules")})
    assert json.loads(verified.stdout) == {"event": "opportunity.updated", "id": 7}


def subscribe(user, url, events=("opportunity.updated",)):
    return webhook_subscription_create(owner=user, url=url, events=list(events), secret=SECRET)


def test_it_delivers_a_signed_event_to_a_local_receiver(alice, alice_deal):
    with Receiver([204]) as receiver, time_machine.travel(NOW, tick=False):
        response = client_for(alice).post("/api/v1/webhooks/", {
            "url": receiver.url, "events": ["opportunity.updated"], "secret": SECRET,
        }, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["secret"] == SECRET

        opportunity_update(actor=alice, opportunity=alice_deal, data={"amount": "250000.00"})
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.event) == ("pending", "opportunity.updated")

        assert deliver_webhooks() == {"delivered": 1, "retrying": 0, "failed": 0}

    [(headers, body)] = receiver.requests
    # Standard Webhooks, checked by the reference library's own verifier, as a receiver would.
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        assert json.loads(body) == Webhook(f"whsec_{base64.b64encode(SECRET.encode()).decode()}").verify(
            body, headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(secret_generate()).verify(body, headers)
        # The id is signed too: the same body and signature cannot pass for another delivery.
        with pytest.raises(WebhookVerificationError):
            Webhook(f"whsec_{base64.b64encode(SECRET.encode()).decode()}").verify(
                body, {**{k.lower(): v for k, v in headers.items()}, "webhook-id": str(delivery.id + 1)})
    named = {name.lower(): value for name, value in headers.items()}
    assert named["webhook-id"] == named["x-dealcoach-delivery"] == str(delivery.id)
    assert named["webhook-timestamp"] == str(int(NOW.timestamp()))
    # The deprecated header is still sent.
    assert signature_check(secret=SECRET, header=headers["X-Dealcoach-Signature"], body=body,
                           now=int(NOW.timestamp()))
    assert headers["X-Dealcoach-Signature"].startswith(f"t={int(NOW.timestamp())},v1=")
    assert not signature_check(secret="another-secret-entirely", header=headers["X-Dealcoach-Signature"],
                               body=body, now=int(NOW.timestamp()))
    event = json.loads(body)
    assert event["event"] == "opportunity.updated"
    assert event["id"] == delivery.id == int(headers["X-Dealcoach-Delivery"])
    assert event["data"]["id"] == alice_deal.id
    assert event["data"]["amount"] == "250000.00"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 204)
    assert delivery.delivered_at == NOW


def test_it_retries_with_exponential_backoff_after_the_receiver_answers_500(alice, alice_deal):
    with Receiver([500, 500, 200]) as receiver, time_machine.travel(NOW, tick=False) as clock:
        subscribe(alice, receiver.url)
        opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Bigger rollout"})

        assert deliver_webhooks() == {"delivered": 0, "retrying": 1, "failed": 0}
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
        assert delivery.last_error.startswith("HTTP 500")
        assert delivery.next_attempt_at == NOW + timedelta(seconds=30)

        clock.shift(timedelta(seconds=29))
        assert deliver_webhooks() == {"delivered": 0, "retrying": 0, "failed": 0}  # not due yet
        clock.shift(timedelta(seconds=1))
        assert deliver_webhooks()["retrying"] == 1
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == NOW + timedelta(seconds=30 + 60)  # doubled

        clock.shift(timedelta(seconds=60))
        assert deliver_webhooks()["delivered"] == 1

    assert len(receiver.requests) == 3
    bodies = {body for _, body in receiver.requests}
    assert len(bodies) == 1  # the same event each time, re-signed
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)


def test_it_gives_up_after_the_last_attempt(alice, alice_deal, settings):
    settings.DEALCOACH_WEBHOOK_MAX_ATTEMPTS = 2
    with Receiver([500]) as receiver, time_machine.travel(NOW, tick=False) as clock:
        subscribe(alice, receiver.url)
        opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Doomed"})
        deliver_webhooks()
        clock.shift(timedelta(minutes=5))
        assert deliver_webhooks() == {"delivered": 0, "retrying": 0, "failed": 1}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 2)


def test_it_records_an_unreachable_receiver_as_a_failed_attempt(alice, alice_deal):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    subscribe(alice, f"http://127.0.0.1:{closed}/hook")
    opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Nobody home"})
    assert deliver_webhooks()["retrying"] == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_status_code is None
    assert "refused" in delivery.last_error.lower()


def test_it_does_not_follow_redirects(alice, alice_deal):
    with Receiver([302]) as receiver:
        subscribe(alice, receiver.url)
        opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Moved"})
        assert deliver_webhooks()["retrying"] == 1
    assert WebhookDelivery.objects.get().last_status_code == 302


def test_it_emits_created_updated_and_deleted_opportunity_events(alice, bob, alice_deal):
    subscribe(bob, "http://127.0.0.1:9/hook",
              events=["opportunity.created", "opportunity.updated", "opportunity.deleted"])
    from tests.factories import OpportunityFactory

    created = OpportunityFactory(account=alice_deal.account)
    opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Renamed"})
    opportunity_soft_delete(actor=alice, opportunity=alice_deal)
    events = list(WebhookDelivery.objects.order_by("id").values_list("event", "payload__id"))
    assert events == [
        ("opportunity.created", created.id),
        ("opportunity.updated", alice_deal.id),
        ("opportunity.deleted", alice_deal.id),
    ]


def test_it_queues_events_only_for_subscribers_who_can_see_the_deal(alice, bob, charlie, dave, alice_deal):
    for user in (alice, bob, charlie, dave):
        subscribe(user, "http://127.0.0.1:9/hook")
    opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Seen by the North team"})
    owners = set(WebhookDelivery.objects.values_list("subscription__owner__username", flat=True))
    assert owners == {"alice", "bob"}


def test_it_writes_deliveries_in_the_same_transaction_as_the_change(alice, alice_deal):
    subscribe(alice, "http://127.0.0.1:9/hook")
    with pytest.raises(RuntimeError), transaction.atomic():
        opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Never saved"})
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("the save fails after the change")
    assert WebhookDelivery.objects.count() == 0


def test_it_nudges_a_worker_after_commit(alice, alice_deal, django_capture_on_commit_callbacks):
    with Receiver([200]) as receiver:
        subscribe(alice, receiver.url)
        with django_capture_on_commit_callbacks(execute=True):  # eager Celery: sends at once
            opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Sent right away"})
    assert WebhookDelivery.objects.get().status == "delivered"
    assert len(receiver.requests) == 1


def test_it_never_fails_or_hangs_a_save_when_the_broker_is_down(
    alice, alice_deal, monkeypatch, django_capture_on_commit_callbacks,
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    subscribe(alice, "http://127.0.0.1:9/hook")
    monkeypatch.setenv("CELERY_BROKER_URL", f"redis://127.0.0.1:{closed}/0")  # Celery reads it before its conf
    # The outbox's per-process back-off after this failure must not leak into later tests.
    monkeypatch.setattr("dealcoach.outbox.services._broker_down_until", 0.0)
    saved = {"eager": celery_app.conf.task_always_eager, "broker": celery_app.conf.broker_url}
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = f"redis://127.0.0.1:{closed}/0"
    try:
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):  # the outbox's after-commit publish
            opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Saved anyway"})
        assert time.monotonic() - started < 2
    finally:
        celery_app.conf.task_always_eager = saved["eager"]
        celery_app.conf.broker_url = saved["broker"]
    assert WebhookDelivery.objects.get().status == "pending"  # the beat job will send it


def test_webhooks_emit_queues_other_events_by_deal_owner(alice, bob, charlie):
    subscribe(bob, "http://127.0.0.1:9/hook", events=["flag.raised", "close_plan.validated"])
    subscribe(charlie, "http://127.0.0.1:9/hook", events=["flag.raised"])
    assert webhooks_emit(event="flag.raised", payload={"kind": "no_activity"}, owner_id=alice.id) == 1
    assert webhooks_emit(event="flag.cleared", payload={"kind": "no_activity"}, owner_id=alice.id) == 0
    with pytest.raises(ValueError):
        webhooks_emit(event="flag.exploded", payload={}, owner_id=alice.id)


def test_it_claims_a_delivery_for_one_sender_only(alice, alice_deal):
    from sync.webhooks import _claim_due

    subscribe(alice, "http://127.0.0.1:9/hook")
    opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Once"})
    assert len(_claim_due(limit=10)) == 1
    assert _claim_due(limit=10) == []  # leased to the first sender


# --- URL check -------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "http://localhost:8000/hook", "http://10.1.2.3/hook", "http://192.168.0.5/",
    "http://172.16.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://100.64.0.1/", "http://240.0.0.1/",
])
def test_it_refuses_private_loopback_link_local_and_reserved_urls(alice, settings, url):
    settings.DEALCOACH_WEBHOOKS_ALLOW_PRIVATE = False
    response = client_for(alice).post("/api/v1/webhooks/", {"url": url, "events": ["flag.raised"]}, format="json")
    assert response.status_code == 400
    assert "url" in response.json()["errors"]
    assert not WebhookSubscription.objects.exists()


def test_it_accepts_a_public_address(settings):
    settings.DEALCOACH_WEBHOOKS_ALLOW_PRIVATE = False
    check_webhook_url("https://93.184.215.14/hooks")


@pytest.mark.parametrize("url", ["ftp://example.com/x", "http://user:pw@example.com/", "javascript:alert(1)"])
def test_it_refuses_urls_that_are_not_plain_http(alice, url):
    response = client_for(alice).post("/api/v1/webhooks/", {"url": url, "events": ["flag.raised"]}, format="json")
    assert response.status_code == 400


def test_it_rechecks_the_address_before_each_delivery(alice, alice_deal, settings):
    subscribe(alice, "http://127.0.0.1:9/hook")
    opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Checked again"})
    settings.DEALCOACH_WEBHOOKS_ALLOW_PRIVATE = False
    deliver_webhooks()
    assert "private" in WebhookDelivery.objects.get().last_error


# --- Subscriptions API -------------------------------------------------------------------

def test_it_lists_reads_updates_and_deletes_only_your_own_subscriptions(alice, charlie):
    mine = subscribe(alice, "http://127.0.0.1:9/mine")
    theirs = subscribe(charlie, "http://127.0.0.1:9/theirs")
    client = client_for(alice)

    listed = client.get("/api/v1/webhooks/").json()
    assert [s["id"] for s in listed] == [mine.id]
    assert "secret" not in listed[0]
    for method in ("get", "patch", "delete"):
        assert getattr(client, method)(f"/api/v1/webhooks/{theirs.id}/", {}, format="json").status_code == 404
    assert client.get(f"/api/v1/webhooks/{theirs.id}/deliveries/").status_code == 404

    patched = client.patch(f"/api/v1/webhooks/{mine.id}/", {"events": ["flag.raised"], "active": False},
                           format="json")
    assert patched.status_code == 200
    assert patched.json()["events"] == ["flag.raised"] and patched.json()["active"] is False
    assert client.delete(f"/api/v1/webhooks/{mine.id}/").status_code == 204
    assert WebhookSubscription.objects.filter(pk=theirs.pk).exists()


def test_it_refuses_unknown_fields_and_events(alice):
    client = client_for(alice)
    response = client.post("/api/v1/webhooks/", {
        "url": "http://127.0.0.1:9/x", "events": ["deal.exploded"], "owner": 1,
    }, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"owner": ["Unknown or read-only field."]}
    response = client.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/x", "events": ["deal.exploded"]},
                           format="json")
    assert response.status_code == 400
    assert "events" in response.json()["errors"]


def test_it_shows_the_delivery_log(alice, alice_deal):
    subscription = subscribe(alice, "http://127.0.0.1:9/hook")
    opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "First"})
    opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Second"})
    body = client_for(alice).get(f"/api/v1/webhooks/{subscription.id}/deliveries/").json()
    assert [d["payload"]["name"] for d in body["results"]] == ["Second", "First"]
    assert body["results"][0]["status"] == "pending"


def test_the_beat_schedule_sends_webhooks_every_minute_and_cleans_up():
    tasks = {entry["task"]: entry["schedule"] for entry in celery_app.conf.beat_schedule.values()}
    assert tasks["sync.tasks.deliver_webhooks"] == 60.0
    assert "sync.tasks.sync_cleanup" in tasks
    assert "sync.tasks.deliver_webhooks" in celery_app.tasks


def test_the_sweep_queues_flag_webhooks_for_subscribers(alice, bob, alice_deal):
    from coaching.stale.services import flags_sweep

    subscribe(bob, "http://127.0.0.1:9/hook", events=["flag.raised", "flag.cleared"])
    type(alice_deal).objects.filter(pk=alice_deal.pk).update(expected_close_date="2020-01-01")
    flags_sweep()
    raised = WebhookDelivery.objects.filter(event="flag.raised")
    assert raised.exists()
    kinds = {d.payload["kind"] for d in raised}
    assert "close_date_passed" in kinds and all(d.payload["opportunity"] == alice_deal.pk for d in raised)
    flags_sweep()  # a rerun raises nothing new, so queues nothing new
    assert WebhookDelivery.objects.filter(event="flag.raised").count() == raised.count()


def test_a_buyer_confirmation_queues_close_plan_validated(alice, alice_deal):
    import datetime as dt

    from django.utils import timezone

    from coaching.closeplan.services import (
        plan_create_from_template,
        plan_validate_by_buyer,
        share_link_create,
    )

    subscribe(alice, "http://127.0.0.1:9/hook", events=["close_plan.validated"])
    plan = plan_create_from_template(actor=alice, opportunity=alice_deal,
                                     go_live_date=timezone.localdate() + dt.timedelta(days=200))
    link, _ = share_link_create(actor=alice, plan=plan)
    plan_validate_by_buyer(link=link, name="Pat Buyer", seen_version=plan.version)
    delivery = WebhookDelivery.objects.get(event="close_plan.validated")
    assert delivery.payload["validated_by"] == "Pat Buyer" and delivery.payload["opportunity"] == alice_deal.pk
