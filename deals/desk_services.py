"""Composite writes of the rep's desk, over `accounts.services` and `deals.services`.

Each creates everything or nothing (one transaction). Errors come back keyed
by the desk form's field names (`account_name`, `stakeholder_name`, `new_name`,
`amount`, ...), so the form can point at the field the rep has to fix.

- `deal_quick_add`: a new deal with its account and first stakeholder.
- `deal_role_add`: a role on a deal for an existing person or a new one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Account, Stakeholder
from accounts.services import account_create, stakeholder_create

from .models import DealRole, Opportunity, Stage
from .services import deal_role_set, opportunity_create

ACCOUNT_ERROR_FIELDS = {"name": "account_name", "domain": "account_domain"}
STAKEHOLDER_ERROR_FIELDS = {"name": "stakeholder_name", "title": "stakeholder_title", "seniority": "stakeholder_seniority"}
ROLE_ERROR_FIELDS = {"role": "stakeholder_role", "stakeholder": "stakeholder_name"}
NEW_PERSON_ERROR_FIELDS = {"name": "new_name", "title": "new_title", "seniority": "new_seniority"}
DEAL_ERROR_FIELDS = {f: f for f in ("name", "amount", "currency", "stage", "expected_close_date")}


@dataclass(frozen=True)
class NewAccount:
    name: str
    domain: str = ""


@dataclass(frozen=True)
class NewStakeholder:
    name: str
    title: str = ""
    seniority: str = Stakeholder.Seniority.STAFF


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return ValidationError({"__all__": error.messages})
    return ValidationError(
        {names.get(field, "__all__"): [m for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
    )


def _stakeholder_for(
    actor, account: Account, stakeholder: Stakeholder | NewStakeholder, error_fields: dict[str, str]
) -> Stakeholder:
    """The existing person, or the new one created at `account`; errors keyed by the form's `error_fields`."""
    if not isinstance(stakeholder, NewStakeholder):
        return stakeholder
    try:
        return stakeholder_create(
            actor=actor, account=account, name=stakeholder.name, title=stakeholder.title,
            seniority=stakeholder.seniority,
        )
    except ValidationError as error:
        raise _renamed(error, error_fields) from None


@transaction.atomic
def deal_quick_add(
    *, actor, account: Account | NewAccount, stakeholder: Stakeholder | NewStakeholder, role: str,
    name: str, stage: Stage, amount: Decimal, currency: str, expected_close_date: dt.date | None,
) -> Opportunity:
    """Create the deal (and the account and stakeholder when they are new) and
    give the stakeholder `role` on it. `account` and an existing `stakeholder`
    must have been fetched with permission; an existing stakeholder must work
    at that account."""
    if isinstance(account, NewAccount):
        try:
            account = account_create(actor=actor, name=account.name, domain=account.domain)
        except ValidationError as error:
            raise _renamed(error, ACCOUNT_ERROR_FIELDS) from None
    try:
        opportunity = opportunity_create(
            actor=actor, account=account, name=(name or "").strip(), stage=stage,
            amount=amount, currency=currency, expected_close_date=expected_close_date,
        )
    except ValidationError as error:
        raise _renamed(error, DEAL_ERROR_FIELDS) from None
    stakeholder = _stakeholder_for(actor, account, stakeholder, STAKEHOLDER_ERROR_FIELDS)
    try:
        deal_role_set(actor=actor, opportunity=opportunity, stakeholder=stakeholder, role=role)
    except ValidationError as error:
        raise _renamed(error, ROLE_ERROR_FIELDS) from None
    return opportunity


@transaction.atomic
def deal_role_add(
    *, actor, opportunity: Opportunity, stakeholder: Stakeholder | NewStakeholder, role: str, stance: str,
    influence: str, strength: int, leans_to_competitor: bool,
) -> DealRole:
    """Give a person `role` on the deal; a new person is created at the deal's account."""
    stakeholder = _stakeholder_for(actor, opportunity.account, stakeholder, NEW_PERSON_ERROR_FIELDS)
    return deal_role_set(
        actor=actor, opportunity=opportunity, stakeholder=stakeholder, role=role, stance=stance,
        influence=influence, strength=strength, leans_to_competitor=leans_to_competitor,
    )
