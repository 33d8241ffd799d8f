"""Outbound webhooks: subscriptions, the delivery outbox, and sending.

An event becomes one `WebhookDelivery` row per matching subscription, written
in the caller's transaction (a transactional outbox): a broker outage can
never fail or hang a save, and a rolled-back save sends nothing. The nudge to
send goes through `dealcoach.outbox` (published after commit, relayed when
the broker is back); the beat job `deliver_webhooks` picks up whatever the
nudge missed.

Sending claims due rows with `SELECT ... FOR UPDATE SKIP LOCKED` and pushes
their `next_attempt_at` forward by a lease, then POSTs outside any
transaction. Two workers never send the same row at once, no transaction is
held open across a slow receiver, and a worker killed mid-send leaves the row
due again when the lease ends (at-least-once: receivers dedupe on the
`webhook-id` header, which equals `X-Dealcoach-Delivery`)."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from dealcoach.models import User
from dealcoach.outbox.services import outbox_enqueue
from dealcoach.permissions import visible_users_q

from .delivery import post_pinned
from .models import WebhookDelivery, WebhookSubscription
from .signing import secret_generate, signature_headers
from .urlcheck import check_webhook_url, resolve_webhook_url

WEBHOOK_EVENTS = (
    "opportunity.created",
    "opportunity.updated",
    "opportunity.deleted",
    "flag.raised",
    "flag.cleared",
    "close_plan.validated",
    "close_plan.commented",
    "close_plan.proposed",
)
SUBSCRIPTION_FIELDS = ("url", "events", "secret", "description", "active")


def _setting(name: str, default):
    return getattr(settings, name, default)


# --- Subscriptions ------------------------------------------------------------------

def check_events(events: Any) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError({"events": [f"Give a list of events, from: {', '.join(WEBHOOK_EVENTS)}."]})
    unknown = [e for e in events if e not in WEBHOOK_EVENTS]
    if unknown:
        raise ValidationError(
            {"events": [f"Unknown event {e!r}; choose from: {', '.join(WEBHOOK_EVENTS)}." for e in unknown]}
        )
    return sorted(set(events), key=WEBHOOK_EVENTS.index)


def _check_secret(secret: Any) -> str:
    if not isinstance(secret, str) or len(secret) < 16 or len(secret) > 100:
        raise ValidationError({"secret": ["A secret is 16 to 100 characters (leave it out to get a random one)."]})
    return secret


@transaction.atomic
def webhook_subscription_create(
    *, owner: User, url: str, events: list[str], secret: str | None = None, description: str = "",
    active: bool = True,
) -> WebhookSubscription:
    subscription = WebhookSubscription(
        owner=owner, url=url, events=check_events(events),
        secret=_check_secret(secret) if secret is not None else secret_generate(),
        description=description, active=active,
    )
    subscription.full_clean()
    check_webhook_url(url)
    subscription.save()
    return subscription


@transaction.atomic
def webhook_subscription_update(*, subscription: WebhookSubscription, data: dict[str, Any]) -> WebhookSubscription:
    unknown = set(data) - set(SUBSCRIPTION_FIELDS)
    if unknown:
        raise ValidationError({f: ["Unknown or read-only field."] for f in sorted(unknown)})
    if "events" in data:
        data = {**data, "events": check_events(data["events"])}
    if "secret" in data:
        _check_secret(data["secret"])
    for field, value in data.items():
        setattr(subscription, field, value)
    subscription.full_clean()
    if "url" in data:
        check_webhook_url(subscription.url)
    subscription.save()
    return subscription


def webhook_subscription_delete(*, subscription: WebhookSubscription) -> None:
    subscription.delete()


# --- Emitting events ----------------------------------------------------------------

@dataclass(frozen=True)
class WebhookEvent:
    event: str
    payload: dict[str, Any]
    owner_id: int | None


def webhooks_emit(*, event: str, payload: dict[str, Any], owner_id: int | None) -> int:
    """Queue `event` for every active subscription whose owner may see the work
    of `owner_id` (the deal owner). Call inside the transaction that makes the
    change: the deliveries commit or roll back with it. Returns how many
    deliveries were queued."""
    return webhooks_emit_many(events=[WebhookEvent(event=event, payload=payload, owner_id=owner_id)])


def webhooks_emit_many(*, events: list[WebhookEvent]) -> int:
    if not events:
        return 0
    unknown = {e.event for e in events} - set(WEBHOOK_EVENTS)
    if unknown:
        raise ValueError(f"Unknown webhook events: {sorted(unknown)}")
    subscriptions = list(
        WebhookSubscription.objects.filter(active=True, owner__is_active=True).select_related("owner")
    )
    if not subscriptions:
        return 0
    visible: dict[tuple[int, int | None], bool] = {}
    now = timezone.now()
    rows = []
    for item in events:
        for subscription in subscriptions:
            if item.event not in subscription.events:
                continue
            key = (subscription.owner_id, item.owner_id)
            if key not in visible:
                visible[key] = _sees_work_of(subscription.owner, item.owner_id)
            if visible[key]:
                rows.append(WebhookDelivery(
                    subscription=subscription, event=item.event, payload=item.payload,
                    next_attempt_at=now, created_at=now,
                ))
    WebhookDelivery.objects.bulk_create(rows, batch_size=500)
    if rows:
        # Through the transactional outbox: if Redis is down, the relay publishes the
        # nudge as soon as it is back (the every-minute beat job remains the safety net).
        outbox_enqueue(task="sync.tasks.deliver_webhooks")
    return len(rows)


def _sees_work_of(viewer: User, owner_id: int | None) -> bool:
    if owner_id is None:
        return viewer.is_superuser or viewer.role == User.Role.ADMIN
    return User.objects.filter(visible_users_q(viewer), pk=owner_id).exists()


# --- Sending ------------------------------------------------------------------------

def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failure: base, 2×base, 4×base..., capped."""
    base = _setting("DEALCOACH_WEBHOOK_RETRY_BASE_SECONDS", 30)
    cap = _setting("DEALCOACH_WEBHOOK_RETRY_MAX_SECONDS", 3600)
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _claim_due(*, limit: int) -> list[int]:
    now = timezone.now()
    lease = timedelta(seconds=_setting("DEALCOACH_WEBHOOK_LEASE_SECONDS", 120))
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now + lease)
    return ids


def webhook_deliveries_send_due(*, limit: int = 100) -> dict[str, int]:
    """Send every due delivery (up to `limit`). Safe to run concurrently and twice."""
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    for delivery_id in _claim_due(limit=limit):
        delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
        counts[webhook_delivery_attempt(delivery=delivery)] += 1
    return counts


def delivery_body(delivery: WebhookDelivery) -> bytes:
    envelope = {
        "id": delivery.id,
        "event": delivery.event,
        "created_at": delivery.created_at,
        "data": delivery.payload,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the delivery to the address the URL check approved (sync/delivery.py).
    Returns (status code or None, error text or "")."""
    subscription = delivery.subscription
    try:
        resolved = resolve_webhook_url(subscription.url)
    except ValidationError as error:
        return None, "; ".join(error.message_dict.get("url", error.messages))
    body = delivery_body(delivery)
    timestamp = int(timezone.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "dealcoach-webhooks/1",
        "X-Dealcoach-Event": delivery.event,
        "X-Dealcoach-Delivery": str(delivery.id),
        **signature_headers(secret=subscription.secret, message_id=str(delivery.id), timestamp=timestamp, body=body),
    }
    try:
        status_code, reason = post_pinned(resolved, body=body, headers=headers,
                                          timeout=_setting("DEALCOACH_WEBHOOK_TIMEOUT_SECONDS", 5))
    except (OSError, http.client.HTTPException, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"[:500]
    if status_code >= 300:
        return status_code, f"HTTP {status_code} {reason}"[:500]
    return status_code, ""


def webhook_delivery_attempt(*, delivery: WebhookDelivery) -> str:
    """One attempt; records the outcome. Returns "delivered", "retrying" or "failed"."""
    if not delivery.subscription.active:
        status_code, error = None, "The subscription is paused."
        attempts = _setting("DEALCOACH_WEBHOOK_MAX_ATTEMPTS", 10)
    else:
        status_code, error = _post(delivery)
        attempts = delivery.attempts + 1
    now = timezone.now()
    fields: dict[str, Any] = {"attempts": attempts, "last_status_code": status_code, "last_error": error}
    if status_code is not None and 200 <= status_code < 300:
        outcome = "delivered"
        fields.update(status=WebhookDelivery.Status.DELIVERED, delivered_at=now, last_error="")
    elif attempts >= _setting("DEALCOACH_WEBHOOK_MAX_ATTEMPTS", 10):
        outcome = "failed"
        fields.update(status=WebhookDelivery.Status.FAILED)
    else:
        outcome = "retrying"
        fields.update(next_attempt_at=now + retry_delay(attempts))
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.PENDING).update(**fields)
    return outcome


def webhook_deliveries_prune(*, older_than_days: int | None = None) -> int:
    """Forget finished deliveries older than the log's retention."""
    days = older_than_days or _setting("DEALCOACH_WEBHOOK_LOG_DAYS", 30)
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = WebhookDelivery.objects.filter(
        created_at__lt=cutoff, status__in=[WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED]
    ).delete()
    return deleted
