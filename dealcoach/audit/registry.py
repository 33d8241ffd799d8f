"""What the audit trail records, and who may read it: filled by the apps that
own the models, from their `AppConfig.ready()`. The audit app sits below every
app (it is part of the shared kernel), so it never names their models itself.

- `audit_track(Model, resource=..., scope=..., scope_sql=...)`: audit every
  save and delete of `Model` as events about `resource`; `scope(row)` gives the
  (opportunity_id, account_id) the row belongs to, which decides who may read
  its history.
- `audit_visibility_register(scope=..., visible_ids=...)`: `visible_ids(user)`
  is a queryset of the ids of the deals (scope "opportunity") or accounts
  (scope "account") `user` may see; an event is readable by whoever may see
  its deal, or, for an event outside any deal, its account."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet


@dataclass(frozen=True)
class Tracked:
    resource: str
    # (row values by attname) -> (opportunity_id, account_id)
    scope: Callable[[Mapping[str, Any]], tuple[int | None, int | None]]
    # The same scope in SQL over the written row `row`, for audits computed by the database
    # (`WrittenRowsAudit`); None when it needs a lookup, and the audit is computed in Python.
    scope_sql: tuple[str, str] | None = None


# Model label ("deals.opportunity") -> what is recorded about it.
TRACKED: dict[str, Tracked] = {}
# Resource name ("opportunity") -> model label.
RESOURCE_MODELS: dict[str, str] = {}
# "opportunity" / "account" -> user -> queryset of the ids `user` may see.
VISIBLE_IDS: dict[str, Callable[[Any], QuerySet]] = {}
VISIBILITY_SCOPES = ("opportunity", "account")


def audit_track(
    model: type[models.Model], *, resource: str,
    scope: Callable[[Mapping[str, Any]], tuple[int | None, int | None]],
    scope_sql: tuple[str, str] | None = None,
) -> None:
    """Audit `model`'s single saves and deletes (the receivers look it up here)
    and accept `resource` in `audit_record_bulk`. Registering again replaces."""
    label = model._meta.label_lower
    TRACKED[label] = Tracked(resource=resource, scope=scope, scope_sql=scope_sql)
    RESOURCE_MODELS[resource] = label


def audit_visibility_register(*, scope: str, visible_ids: Callable[[Any], QuerySet]) -> None:
    if scope not in VISIBILITY_SCOPES:
        raise ValueError(f"Unknown audit visibility scope {scope!r}; one of {VISIBILITY_SCOPES}.")
    VISIBLE_IDS[scope] = visible_ids
