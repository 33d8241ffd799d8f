"""Reads of the sync plumbing, scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BigIntegerField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from dealcoach.permissions import account_visibility_q, visible_owner_ids_q

from .models import ChangeLogEntry, CsvUpload, WebhookDelivery, WebhookSubscription

Resource = ChangeLogEntry.Resource


@dataclass(frozen=True, order=True)
class ChangeCursor:
    """A position in the feed: (writing transaction id, entry id). Opaque to clients."""

    txid: int
    id: int

    def __str__(self) -> str:
        return f"{self.txid}-{self.id}"

    @classmethod
    def parse(cls, value: str | None) -> ChangeCursor:
        if value in (None, ""):
            return cls(0, 0)
        try:
            txid, entry_id = (int(part) for part in value.split("-"))
        except ValueError:
            raise ValidationError({"since": ["Not a cursor: pass the next_cursor of the previous page."]}) from None
        if txid < 0 or entry_id < 0:
            raise ValidationError({"since": ["Not a cursor: pass the next_cursor of the previous page."]})
        return cls(txid, entry_id)


def _after(cursor: ChangeCursor) -> Q:
    return Q(txid__gt=cursor.txid) | Q(txid=cursor.txid, id__gt=cursor.id)


def _settled() -> Q:
    """Entries no running transaction can still add to or precede.

    Why not `ORDER BY id` (or `updated_at`) with a cursor: ids and timestamps
    are taken when a row is written, but rows become visible when their
    transaction commits. Transaction A takes id 10, B takes id 11 and commits
    first; a reader that got 11 and moved its cursor past it never sees 10.
    A time-based safety lag only makes that rarer.

    So the feed is ordered by (writing transaction id, id) and served only up
    to the oldest transaction still running (`txid_snapshot_xmin`): every
    transaction with a smaller id has finished, and no new one can get a
    smaller id, so the served prefix never changes — no gaps, no lag to tune.
    A long-running write transaction delays the feed (never loses from it).
    The reader's own transaction is included so a request can read what it
    wrote (API reads write nothing, so that only matters to tests).

    On SQLite (development) writers are serialised, so ids are already in
    commit order and every entry is settled."""
    if connection.vendor != "postgresql":
        return Q()
    return Q(txid__lt=RawSQL("txid_snapshot_xmin(txid_current_snapshot())", [], output_field=BigIntegerField())) | Q(
        txid=RawSQL("txid_current_if_assigned()", [], output_field=BigIntegerField())
    )


def change_visibility_q(user) -> Q:
    """The same rules as the resources themselves: accounts and stakeholders
    by the account owner, opportunities and activities by the deal owner."""
    return (
        Q(resource__in=[Resource.ACCOUNT, Resource.STAKEHOLDER]) & account_visibility_q(user)
    ) | (
        Q(resource__in=[Resource.OPPORTUNITY, Resource.ACTIVITY]) & visible_owner_ids_q(user)
    )


@dataclass
class ChangesPage:
    entries: list[ChangeLogEntry]
    next_cursor: ChangeCursor
    has_more: bool


def change_cursor_expired(cursor: ChangeCursor) -> bool:
    """Has the log been pruned past `cursor`? Then the feed cannot say what
    changed since, and the client must resync from the lists."""
    if cursor.id == 0:
        return False
    return not ChangeLogEntry.objects.filter(pk=cursor.id).exists()


def changes_for_user(*, user, since: ChangeCursor, limit: int = 100) -> ChangesPage:
    """The next `limit` settled changes after `since` that `user` may see.
    When fewer remain, the cursor moves to the last settled entry of anyone,
    so entries the user cannot see are not scanned again."""
    settled = ChangeLogEntry.objects.filter(_settled())
    upper = settled.order_by("-txid", "-id").values_list("txid", "id").first()
    if upper is None or ChangeCursor(*upper) <= since:
        return ChangesPage(entries=[], next_cursor=since, has_more=False)
    upper = ChangeCursor(*upper)
    entries = list(
        ChangeLogEntry.objects.filter(_after(since))
        .exclude(_after(upper))
        .filter(change_visibility_q(user))
        .order_by("txid", "id")[: limit + 1]
    )
    if len(entries) > limit:
        entries = entries[:limit]
        return ChangesPage(entries=entries, next_cursor=ChangeCursor(entries[-1].txid, entries[-1].id), has_more=True)
    return ChangesPage(entries=entries, next_cursor=upper, has_more=False)


# --- Webhooks ---------------------------------------------------------------------------

def webhook_subscriptions_for_user(user) -> QuerySet[WebhookSubscription]:
    """A user's own subscriptions (admins included: a subscription is personal)."""
    if user is None or not user.is_authenticated:
        return WebhookSubscription.objects.none()
    return WebhookSubscription.objects.filter(owner=user)


def webhook_subscription_get_for_user(*, user, subscription_id) -> WebhookSubscription:
    try:
        return webhook_subscriptions_for_user(user).get(pk=subscription_id)
    except (WebhookSubscription.DoesNotExist, ValueError, TypeError):
        raise Http404("No such webhook.") from None


def webhook_deliveries_of(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(subscription=subscription).order_by("-id")


# --- CSV uploads ------------------------------------------------------------------------

def csv_upload_get_for_user(*, user, upload_id) -> CsvUpload:
    """An upload is its owner's only."""
    try:
        return CsvUpload.objects.get(pk=upload_id, owner=user)
    except (CsvUpload.DoesNotExist, ValueError, TypeError):
        raise Http404("No such upload.") from None
