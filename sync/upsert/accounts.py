"""Upsert of accounts and stakeholders by the caller's external id — the
services behind `PUT .../external/{id}/`, `POST .../bulk-upsert/` and the CSV
import. Also the input contract (field specs) of the accounts API.

References may be given by id (`account`, `reports_to`) or by external id
(`account_external_id`, `reports_to_external_id`); either way they must name
an object the caller can see, else the item fails naming the field."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q

from accounts.models import Account, Stakeholder
from accounts.org_chart import reports_to_themselves
from accounts.selectors import accounts_visible_to, stakeholders_visible_to
from dealcoach.lookups import AnyOf
from dealcoach.permissions import account_visibility_q, can_own_deals_of
from sync.fieldspecs import Reference, Text
from sync.upsert.engine import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Item,
    UpsertResult,
    changed,
    parse_batch,
    require,
    run_upsert,
)

ACCOUNT_SPECS = {
    "name": Text(max_length=200, blank=False, required=True),
    "domain": Text(max_length=200),
    "industry": Text(max_length=100),
    "owner": Reference(help="User id of the owner; defaults to the caller."),
}
ACCOUNT_READ_ONLY = ("id", "created_at", "updated_at")

STAKEHOLDER_SPECS = {
    "account": Reference(required=True, help="Account id (or give account_external_id)."),
    "account_external_id": Text(max_length=255, blank=False, strip=False),
    "name": Text(max_length=200, blank=False, required=True),
    "title": Text(max_length=200),
    "email": Text(max_length=254, email=True),
    "seniority": Text(choices=tuple(Stakeholder.Seniority.values)),
    "reports_to": Reference(nullable=True, help="Stakeholder id of their manager, at the same account."),
    "reports_to_external_id": Text(max_length=255, blank=False, strip=False, nullable=True),
}
STAKEHOLDER_READ_ONLY = ("id", "created_at", "updated_at")

ACCOUNT_WRITE_FIELDS = ["name", "domain", "industry", "owner", "updated_at"]
STAKEHOLDER_WRITE_FIELDS = ["name", "title", "email", "seniority", "reports_to", "account", "updated_at"]

OWNER_REFUSED = "You can only assign records to yourself or, as a manager, to your team."


# --- references --------------------------------------------------------------------


def resolve_owners(*, actor, items: list[Item]) -> None:
    """`owner` ids -> users the actor may assign to (one query); else an error naming `owner`."""
    ids = {i.data["owner"] for i in items if "owner" in i.data}
    users = get_user_model().objects.select_related("team").filter(pk__in=ids, is_active=True) if ids else []
    by_id = {u.pk: u for u in users}
    for item in items:
        if "owner" in item.data:
            owner = by_id.get(item.data["owner"])
            if owner is None or not can_own_deals_of(actor, owner):
                item.error("owner", OWNER_REFUSED)
            else:
                item.values["owner"] = owner


def resolve_refs(
    *, items: list[Item], queryset, id_field: str, external_field: str, target: str, label: str,
    ids_only: bool = False,
) -> None:
    """Resolve one kind of reference for the whole batch with at most one query:
    `item.data[id_field]` or `item.data[external_field]` -> `item.values[target]`
    (a model instance from `queryset`, already scoped to the caller; its id when
    `ids_only`), None when the reference was explicitly null."""
    ids, externals = set(), set()
    for item in items:
        if item.data.get(id_field) is not None and item.data.get(external_field) is not None:
            item.error(external_field, f"Give {id_field} or {external_field}, not both.")
        elif item.data.get(id_field) is not None:
            ids.add(item.data[id_field])
        elif item.data.get(external_field) is not None:
            externals.add(item.data[external_field])
    wanted = Q()
    if ids:
        wanted |= Q(AnyOf(F("pk"), ids))
    if externals:
        wanted |= Q(AnyOf(F("external_id"), externals))
    if not wanted:
        by_id, by_external = {}, {}
    elif ids_only:
        found = list(queryset.filter(wanted).values_list("pk", "external_id"))
        by_id = {pk: pk for pk, _ in found}
        by_external = {external_id: pk for pk, external_id in found if external_id}
    else:
        objects = list(queryset.filter(wanted))
        by_id = {o.pk: o for o in objects}
        by_external = {o.external_id: o for o in objects if o.external_id}
    for item in items:
        if item.result.errors:
            continue
        if item.data.get(id_field) is not None:
            obj = by_id.get(item.data[id_field])
            if obj is None:
                item.error(id_field, f"No such {label} (or not visible to you).")
            else:
                item.values[target] = obj
        elif item.data.get(external_field) is not None:
            obj = by_external.get(item.data[external_field])
            if obj is None:
                item.error(external_field, f"No {label} with this external id (or not visible to you).")
            else:
                item.values[target] = obj
        elif id_field in item.data or external_field in item.data:
            item.values[target] = None


def live(items: list[Item]) -> list[Item]:
    return [i for i in items if not i.result.errors]


# --- accounts ------------------------------------------------------------------------


def accounts_upsert(*, actor, items: list[dict[str, Any]]) -> list[UpsertResult]:
    """Create or update accounts by external id. One result per item, in input order."""
    results, batch = parse_batch(items, ACCOUNT_SPECS, read_only=ACCOUNT_READ_ONLY)
    for item in batch:
        item.values.update({k: v for k, v in item.data.items() if k != "owner"})
    resolve_owners(actor=actor, items=batch)

    def build(item: Item, current: Account | None) -> str | None:
        if current is None:
            if not require(item, ACCOUNT_SPECS):
                return None
            item.instance = Account(external_id=item.external_id, owner=item.values.pop("owner", actor))
            changed(item.instance, item.values)
            return CREATED
        item.instance = current
        return UPDATED if changed(current, item.values) else UNCHANGED

    with transaction.atomic():
        run_upsert(
            model=Account, queryset=Account.objects.all(), items=live(batch),
            visible_q=account_visibility_q(actor), build=build, update_fields=ACCOUNT_WRITE_FIELDS,
        )
    return results


# --- stakeholders ----------------------------------------------------------------------


def _key(external_id: str | None, pk: int | None) -> str:
    return f"ext:{external_id}" if external_id else f"id:{pk}"


def check_org_chart(*, items: list[Item]) -> None:
    """Refuse a reports-to that would put someone above themselves, in memory:
    the accounts' current chart (one query) overlaid with the batch's changes."""
    account_ids = {i.values["account"].pk for i in items if i.values.get("account") is not None}
    account_ids |= {i.extra["reports_to"]["account"] for i in items if (i.extra.get("reports_to") or {}).get("account")}
    bosses: dict[str, str | None] = {}
    rows = Stakeholder.objects.filter(account_id__in=account_ids).values_list(
        "id", "external_id", "reports_to_id", "reports_to__external_id"
    )
    for pk, external_id, boss_id, boss_external_id in rows:
        bosses[_key(external_id, pk)] = _key(boss_external_id, boss_id) if boss_id else None
    for item in items:
        if "reports_to" in item.extra:
            boss = item.extra["reports_to"]
            bosses[_key(item.external_id, None)] = _key(boss["external_id"], boss["id"]) if boss else None
    for item in items:
        if not item.extra.get("reports_to"):
            continue
        if reports_to_themselves(bosses, _key(item.external_id, None)):
            item.error("reports_to", "This would make them report to themselves.")


def stakeholders_upsert(*, actor, items: list[dict[str, Any]]) -> list[UpsertResult]:
    """Create or update stakeholders by external id. `reports_to_external_id` may
    name a stakeholder created earlier or in the same batch (same account)."""
    results, batch = parse_batch(items, STAKEHOLDER_SPECS, read_only=STAKEHOLDER_READ_ONLY)
    plain = ("name", "title", "email", "seniority")
    for item in batch:
        item.values.update({k: v for k, v in item.data.items() if k in plain})
    resolve_refs(
        items=batch, queryset=accounts_visible_to(actor), id_field="account",
        external_field="account_external_id", target="account", label="account",
    )
    batch = live(batch)
    in_batch = {i.external_id: i for i in batch}
    # Bosses named by an external id of this batch are wired after the rows exist.
    wanted = {
        i.data["reports_to_external_id"] for i in batch
        if i.data.get("reports_to_external_id") and i.data["reports_to_external_id"] not in in_batch
    }
    found = {
        s.external_id: s for s in stakeholders_visible_to(actor).filter(external_id__in=wanted)
    } if wanted else {}
    ids = {i.data["reports_to"] for i in batch if i.data.get("reports_to") is not None}
    found_ids = {s.pk: s for s in stakeholders_visible_to(actor).filter(pk__in=ids)} if ids else {}
    for item in batch:
        reports_to_id, reports_to_external = item.data.get("reports_to"), item.data.get("reports_to_external_id")
        if reports_to_id is not None and reports_to_external is not None:
            item.error("reports_to_external_id", "Give reports_to or reports_to_external_id, not both.")
        elif reports_to_id is not None:
            boss = found_ids.get(reports_to_id)
            if boss is None:
                item.error("reports_to", "No such stakeholder (or not visible to you).")
            else:
                item.extra["reports_to"] = {"id": boss.pk, "external_id": boss.external_id, "account": boss.account_id}
        elif reports_to_external is not None:
            if reports_to_external == item.external_id:
                item.error("reports_to_external_id", "Someone cannot report to themselves.")
            elif reports_to_external in in_batch:
                other = in_batch[reports_to_external]
                account = other.values.get("account")
                item.extra["reports_to"] = {
                    "id": None, "external_id": reports_to_external, "account": account.pk if account else None,
                    "pending": True,
                }
            elif reports_to_external in found:
                boss = found[reports_to_external]
                item.extra["reports_to"] = {"id": boss.pk, "external_id": boss.external_id, "account": boss.account_id}
            else:
                item.error("reports_to_external_id", "No stakeholder with this external id (or not visible to you).")
        elif "reports_to" in item.data or "reports_to_external_id" in item.data:
            item.extra["reports_to"] = None

    def build(item: Item, current: Stakeholder | None) -> str | None:
        account = item.values.pop("account", None) if "account" in item.values else None
        if current is None:
            if not require(item, STAKEHOLDER_SPECS, {"account": "account_external_id"}):
                return None
            item.instance = Stakeholder(external_id=item.external_id, account=account)
        else:
            if account is not None and account.pk != current.account_id:
                item.error("account", "A stakeholder cannot move to another account.")
                return None
            item.instance = current
        boss = item.extra.get("reports_to")
        account_id = item.instance.account_id
        if boss and boss["account"] is not None and boss["account"] != account_id:
            item.error("reports_to", "A stakeholder reports to someone at the same account.")
            return None
        differs = changed(item.instance, item.values)
        if boss is None and "reports_to" in item.extra and item.instance.reports_to_id is not None:
            item.instance.reports_to = None
            differs = True
        elif boss and not boss.get("pending") and item.instance.reports_to_id != boss["id"]:
            item.instance.reports_to_id = boss["id"]
            differs = True
        elif boss and boss.get("pending"):
            differs = differs or current is None or (
                current.reports_to is None or current.reports_to.external_id != boss["external_id"]
            )
        if current is None:
            return CREATED
        return UPDATED if differs else UNCHANGED

    check_org_chart(items=live(batch))
    with transaction.atomic():
        created, updated = run_upsert(
            model=Stakeholder, queryset=Stakeholder.objects.select_related("reports_to"), items=live(batch),
            visible_q=account_visibility_q(actor, prefix="account__"), build=build,
            update_fields=STAKEHOLDER_WRITE_FIELDS,
        )
        pending = [i for i in created + updated if (i.extra.get("reports_to") or {}).get("pending")]
        if pending:
            ids_by_external = dict(
                Stakeholder.objects.filter(
                    external_id__in={i.extra["reports_to"]["external_id"] for i in pending}
                ).values_list("external_id", "id")
            )
            for item in pending:
                boss_id = ids_by_external.get(item.extra["reports_to"]["external_id"])
                Stakeholder.objects.filter(pk=item.result.id).update(reports_to_id=boss_id)
    return results
