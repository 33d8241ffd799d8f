"""What the owner's daily digest (coaching.stale) says about the buyers' actions on shared plans."""

from __future__ import annotations

import datetime as dt

from .models import BuyerAction

# Proving an address is bookkeeping, not news for the rep.
ANNOUNCED_KINDS = [k for k in BuyerAction.Kind.values if k != BuyerAction.Kind.VERIFIED]


def _unannounced():
    return BuyerAction.objects.filter(
        notified_at__isnull=True, kind__in=ANNOUNCED_KINDS, plan__opportunity__deleted_at__isnull=True
    )


def buyer_action_owner_ids() -> set[int]:
    return set(_unannounced().values_list("plan__opportunity__owner_id", flat=True))


def buyer_actions_to_announce(*, owner_id: int) -> list[BuyerAction]:
    """Call inside a transaction: the owner's unannounced buyer actions, locked (SKIP LOCKED)."""
    return list(
        _unannounced().select_for_update(skip_locked=True, of=("self",))
        .filter(plan__opportunity__owner_id=owner_id)
        .select_related("plan__opportunity")
        .order_by("plan__opportunity__name", "at", "id")
    )


def buyer_actions_mark_announced(*, ids: list[int], now: dt.datetime) -> None:
    if ids:
        BuyerAction.objects.filter(pk__in=ids).update(notified_at=now)
