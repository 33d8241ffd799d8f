"""Stored Idempotency-Key results (the writes behind `sync.idempotency`).

A key is claimed by inserting its row before the request runs; the unique
constraint on (scope, key) is the lock, so of two concurrent requests with one
key exactly one runs and the other finds the row `in_progress`."""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import IdempotencyKey

State = IdempotencyKey.State


class Claim(Enum):
    NEW = "new"                  # run the request, then complete or release
    REPLAY = "replay"            # answer with the stored response
    MISMATCH = "mismatch"        # same key, different request: 422
    IN_PROGRESS = "in_progress"  # the first request is still running: 409


def _ttl() -> timedelta:
    return timedelta(hours=max(24, getattr(settings, "DEALCOACH_IDEMPOTENCY_TTL_HOURS", 24)))


def _abandon_after() -> timedelta:
    """An `in_progress` row this old belongs to a worker that died mid-request
    (request timeouts are far shorter), so a retry may take it over."""
    return timedelta(seconds=getattr(settings, "DEALCOACH_IDEMPOTENCY_LOCK_SECONDS", 300))


def idempotency_key_claim(*, scope: str, key: str, request_hash: str) -> tuple[Claim, IdempotencyKey | None]:
    """Call in autocommit (outside `atomic`), so the claim is visible to
    concurrent requests before the first one runs."""
    now = timezone.now()
    record = None
    for _ in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    scope=scope, key=key, request_hash=request_hash, created_at=now
                )
            return Claim.NEW, record
        except IntegrityError:
            pass
        record = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if record is None:  # released in between: claim again
            continue
        if record.created_at < now - _ttl():  # expired, not yet pruned
            IdempotencyKey.objects.filter(pk=record.pk, created_at=record.created_at).delete()
            continue
        if record.request_hash != request_hash:
            return Claim.MISMATCH, record
        if record.state == State.DONE:
            return Claim.REPLAY, record
        if record.created_at < now - _abandon_after():
            taken = IdempotencyKey.objects.filter(
                pk=record.pk, state=State.IN_PROGRESS, created_at=record.created_at
            ).update(created_at=now)
            if taken:
                record.created_at = now
                return Claim.NEW, record
        return Claim.IN_PROGRESS, record
    return Claim.IN_PROGRESS, record


def idempotency_key_complete(*, record: IdempotencyKey, status: int, headers: dict[str, str], body: bytes) -> None:
    IdempotencyKey.objects.filter(pk=record.pk, state=State.IN_PROGRESS).update(
        state=State.DONE, response_status=status, response_headers=headers, response_body=body,
        completed_at=timezone.now(),
    )


def idempotency_key_release(*, record: IdempotencyKey) -> None:
    """Forget a claim whose request failed, so a retry runs it again."""
    IdempotencyKey.objects.filter(pk=record.pk, state=State.IN_PROGRESS).delete()


def idempotency_keys_prune() -> int:
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - _ttl()).delete()
    return deleted
