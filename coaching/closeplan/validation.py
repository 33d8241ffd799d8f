"""Checks of plan input, with reasons a rep can act on (raise ValidationError
naming the field). Used by the services before anything is written."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from accounts.models import Stakeholder
from deals.models import Opportunity

from .models import MAX_DURATION_DAYS, Milestone
from .schedule import SIDES, ScheduleError, check_milestones
from .selectors import milestone_inputs, owner_users_for

User = get_user_model()

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MILESTONE_FIELDS = ("name", "side", "duration_days", "depends_on", "owner", "done_on")


def check_owner(opportunity: Opportunity, owner) -> tuple[Stakeholder | None, Any]:
    if owner is None:
        return None, None
    if isinstance(owner, Stakeholder):
        if owner.account_id != opportunity.account_id or owner.deleted_at is not None:
            raise ValidationError({"owner": [f"{owner.name} is not a stakeholder at {opportunity.account}."]})
        return owner, None
    if isinstance(owner, User):
        if not owner_users_for(opportunity).filter(pk=owner.pk).exists():
            raise ValidationError({"owner": [f"{owner} is not on the deal owner's team."]})
        return None, owner
    raise ValidationError({"owner": ["An owner is a stakeholder at the account or a user on the team."]})


def check_milestone_value(field: str, value: Any, *, today: dt.date, key: str = "") -> Any:
    """Check one field of milestone `key`; return the value to store."""
    subject = f"Milestone '{key}'" if key else "A milestone"
    if field == "name":
        name = " ".join(str(value or "").split())
        if not name:
            raise ValidationError({"name": ["Give the milestone a name."]})
        if len(name) > 200:
            raise ValidationError({"name": ["Keep the name under 200 characters."]})
        return name
    if field == "side":
        if value not in SIDES:
            raise ValidationError({"side": [f"Side must be one of {', '.join(SIDES)}."]})
        return value
    if field == "duration_days":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError({"duration_days": ["Duration must be a whole number of business days."]})
        if value < 0:
            raise ValidationError(
                {"duration_days": [f"{subject} cannot take a negative duration ({value} days)."]}
            )
        if value > MAX_DURATION_DAYS:
            raise ValidationError(
                {"duration_days": [f"{subject} cannot take longer than {MAX_DURATION_DAYS} business days."]}
            )
        return value
    if field == "depends_on":
        if isinstance(value, str) or not all(isinstance(key, str) for key in value or ()):
            raise ValidationError({"depends_on": ["List the keys of the milestones this one waits for."]})
        return list(dict.fromkeys(value or ()))
    if field == "done_on":
        if value is not None and not isinstance(value, dt.date):
            raise ValidationError({"done_on": ["Give the date as YYYY-MM-DD."]})
        if value is not None and value > today:
            raise ValidationError(
                {"done_on": [f"{subject} cannot be done in the future (today is {today})."]}
            )
        return value
    raise ValidationError({field: ["Unknown or read-only field."]})


def unique_key(name: str, taken: set[str]) -> str:
    base = (slugify(name).replace("-", "_") or "milestone")[:34].strip("_") or "milestone"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def check_plan_milestones(milestones: Sequence[Milestone]) -> None:
    """Raise ValidationError when these milestones could not be scheduled."""
    try:
        check_milestones(milestone_inputs(milestones))
    except ScheduleError as error:
        raise ValidationError({error.field: [str(error)]}) from error
