"""Writes to customer accounts and stakeholders."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Account, Stakeholder
from .org_chart import reports_to_themselves

ACCOUNT_FIELDS = ("name", "domain", "industry", "owner", "external_id")
STAKEHOLDER_FIELDS = ("name", "title", "email", "seniority", "reports_to", "external_id", "account")


def _reject_unknown(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({f: ["Unknown or read-only field."] for f in sorted(unknown)})


def _clean(row: Account | Stakeholder) -> None:
    # A row without an external id is a local one: the empty id need not pass the field's validation.
    row.full_clean(exclude=None if row.external_id else ["external_id"])


@transaction.atomic
def account_create(*, actor, name: str, owner=None, **fields: Any) -> Account:
    _reject_unknown(fields, ACCOUNT_FIELDS)
    account = Account(name=(name or "").strip(), owner=owner or actor, **fields)
    _clean(account)
    account.save()
    return account


@transaction.atomic
def account_update(*, actor, account: Account, data: dict[str, Any]) -> Account:
    _reject_unknown(data, ACCOUNT_FIELDS)
    for field, value in data.items():
        setattr(account, field, value)
    _clean(account)
    account.save()
    return account


def check_reports_to(stakeholder: Stakeholder) -> None:
    boss = stakeholder.reports_to
    if boss is None:
        return
    if boss.account_id != stakeholder.account_id:
        raise ValidationError({"reports_to": ["A stakeholder reports to someone at the same account."]})
    # The account's chart in one query, with this person's new boss in it.
    bosses = dict(Stakeholder.objects.filter(account_id=stakeholder.account_id).values_list("id", "reports_to_id"))
    me = stakeholder.pk if stakeholder.pk is not None else object()
    bosses[me] = boss.pk
    if reports_to_themselves(bosses, me):
        raise ValidationError({"reports_to": [f"{stakeholder.name} would end up reporting to themselves."]})


@transaction.atomic
def stakeholder_create(*, actor, account: Account, name: str, **fields: Any) -> Stakeholder:
    _reject_unknown(fields, STAKEHOLDER_FIELDS)
    stakeholder = Stakeholder(account=account, name=(name or "").strip(), **fields)
    _clean(stakeholder)
    check_reports_to(stakeholder)
    stakeholder.save()
    return stakeholder


@transaction.atomic
def stakeholder_update(*, actor, stakeholder: Stakeholder, data: dict[str, Any]) -> Stakeholder:
    _reject_unknown(data, STAKEHOLDER_FIELDS)
    for field, value in data.items():
        setattr(stakeholder, field, value)
    _clean(stakeholder)
    check_reports_to(stakeholder)
    stakeholder.save()
    return stakeholder


@transaction.atomic
def account_soft_delete(*, actor, account: Account) -> None:
    """Hide the account and its stakeholders; the rows stay as tombstones for the sync feed.
    Refused while the account has live deals (delete or move those first)."""
    if account.opportunities.filter(deleted_at__isnull=True).exists():
        raise ValidationError({"account": ["This account still has deals: delete or move them first."]})
    account.mark_deleted()
    account.save(update_fields=["deleted_at", "updated_at"])


@transaction.atomic
def account_restore(*, actor, account: Account) -> None:
    account.deleted_at = None
    account.save(update_fields=["deleted_at", "updated_at"])


@transaction.atomic
def stakeholder_soft_delete(*, actor, stakeholder: Stakeholder) -> None:
    stakeholder.mark_deleted()
    stakeholder.save(update_fields=["deleted_at", "updated_at"])


@transaction.atomic
def stakeholder_restore(*, actor, stakeholder: Stakeholder) -> None:
    stakeholder.deleted_at = None
    stakeholder.save(update_fields=["deleted_at", "updated_at"])
