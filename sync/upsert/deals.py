"""Upsert of opportunities (with their deal roles) and activities by the
caller's external id — the services behind `PUT .../external/{id}/`,
`POST .../bulk-upsert/` and the CSV import — plus the input contract (field
specs) of the deals API and the single-object writes the API views use.

A batch is validated in plain Python, references are resolved with one query
per kind, and rows are written set-based (see `sync.upsert.engine`). Field
history is recorded for bulk updates too, and `announce_deal_changed` is
called once per batch."""

from __future__ import annotations

from datetime import timedelta
from operator import attrgetter
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.selectors import accounts_visible_to, stakeholders_visible_to
from dealcoach.audit.context import current_audit_context
from dealcoach.audit.services import audit_record_bulk, audit_snapshot_rows
from dealcoach.bulk import COPY_NULL, CopyText, copy_escaped, copy_rows
from dealcoach.currencies import CURRENCY_CODES
from dealcoach.permissions import visible_owner_ids_q
from deals.models import (
    ACTIVITY_KIND_VALUES,
    INFLUENCE_VALUES,
    ROLE_VALUES,
    STANCE_VALUES,
    Activity,
    DealRole,
    ForecastCategory,
    Opportunity,
    OpportunityFieldChange,
    Stage,
)
from deals.selectors import opportunities_visible_to
from deals.services import (
    _apply_status_rules,
    _tracked_text,
    activity_log,
    activity_update,
    normalise_competitors,
    opportunities_refresh_engagement,
    opportunity_create,
    opportunity_update,
)
from deals.signals import announce_deal_changed
from sync.fieldspecs import (
    Boolean,
    Date,
    DecimalString,
    Integer,
    ListOf,
    Object,
    Reference,
    Text,
    Timestamp,
)
from sync.upsert.accounts import live, resolve_owners, resolve_refs
from sync.upsert.engine import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Item,
    UpsertResult,
    item_for,
    new_instance,
    parse_batch,
    parse_single,
    raise_item_errors,
    require,
    run_upsert,
)

LONG_TEXT = 10_000

ROLE_SPECS = {
    "stakeholder": Reference(help="Stakeholder id (or give stakeholder_external_id)."),
    "stakeholder_external_id": Text(max_length=255, blank=False, strip=False),
    "role": Text(choices=tuple(ROLE_VALUES), required=True),
    "stance": Text(choices=tuple(STANCE_VALUES), help="Defaults to neutral."),
    "influence": Text(choices=tuple(INFLUENCE_VALUES), help="Defaults to medium."),
    "strength": Integer(minimum=1, maximum=5, help="Relationship strength 1-5; defaults to 1."),
    "leans_to_competitor": Boolean(),
}

OPPORTUNITY_SPECS = {
    "account": Reference(required=True, help="Account id (or give account_external_id)."),
    "account_external_id": Text(max_length=255, blank=False, strip=False),
    "owner": Reference(help="User id of the owning rep; defaults to the caller."),
    "name": Text(max_length=200, blank=False, required=True),
    "amount": DecimalString(),
    "currency": Text(choices=CURRENCY_CODES),
    "stage": Text(max_length=40, blank=False, help="Stage slug: qualify, discover, evaluate, propose, negotiate."),
    "status": Text(choices=tuple(Opportunity.Status.values)),
    "lost_reason": Text(max_length=300),
    "expected_close_date": Date(nullable=True),
    "go_live_date": Date(nullable=True, help="The customer's go-live date."),
    "budget_status": Text(choices=tuple(Opportunity.BudgetStatus.values)),
    "budget_amount": DecimalString(nullable=True),
    "compelling_event": Text(max_length=LONG_TEXT),
    "consequence_if_missed": Text(max_length=LONG_TEXT),
    "success_criteria": Text(max_length=LONG_TEXT),
    "business_value": Text(max_length=LONG_TEXT),
    "strategy": Text(choices=tuple(Opportunity.Strategy.values)),
    "strategy_notes": Text(max_length=LONG_TEXT, help="Why the chosen strategy will win (RSVP Strategy reads it)."),
    "competitors": ListOf(item=Text(max_length=100, blank=False), max_items=30),
    "forecast_category": Text(choices=tuple(ForecastCategory.values)),
    "roles": ListOf(item=Object(fields=ROLE_SPECS, schema_name="DealRoleRequest"), max_items=100, help="The whole political map: replaces the roles."),
}
OPPORTUNITY_READ_ONLY = ("id", "propensity", "created_at", "updated_at")
# Fields copied as they are onto the model.
OPPORTUNITY_PLAIN = (
    "name", "amount", "currency", "status", "lost_reason", "expected_close_date", "go_live_date",
    "budget_status", "budget_amount", "compelling_event", "consequence_if_missed", "success_criteria",
    "business_value", "strategy", "strategy_notes", "competitors", "forecast_category",
)
OPPORTUNITY_WRITE_FIELDS = [
    *OPPORTUNITY_PLAIN, "account", "owner", "stage", "stage_entered_at", "updated_at",
]

ACTIVITY_SPECS = {
    "opportunity": Reference(required=True, help="Opportunity id (or give opportunity_external_id)."),
    "opportunity_external_id": Text(max_length=255, blank=False, strip=False),
    "kind": Text(choices=tuple(ACTIVITY_KIND_VALUES)),
    "occurred_at": Timestamp(help="Defaults to now."),
    "summary": Text(max_length=500, blank=False, required=True),
    "stakeholders": ListOf(item=Reference(), max_items=100, help="Stakeholder ids of the people who took part."),
    "stakeholder_external_ids": ListOf(item=Text(max_length=255, blank=False, strip=False), max_items=100),
}
ACTIVITY_READ_ONLY = ("id", "created_at", "updated_at")
ACTIVITY_WRITE_FIELDS = ["kind", "occurred_at", "summary", "updated_at"]

ROLE_DEFAULTS = {"stance": "neutral", "influence": "medium", "strength": 1, "leans_to_competitor": False}


# --- shared checks ----------------------------------------------------------------------


def _stages() -> dict[str, Stage]:
    return {s.slug: s for s in Stage.objects.order_by("order")}


def _opportunity_errors(opportunity: Opportunity) -> dict[str, list[str]]:
    """The cross-field rules of `deals.services.check_opportunity`, without queries."""
    errors: dict[str, list[str]] = {}
    if opportunity.status == Opportunity.Status.LOST and not opportunity.lost_reason.strip():
        errors["lost_reason"] = ["Say why the deal was lost."]
    if opportunity.status != Opportunity.Status.LOST and opportunity.lost_reason:
        errors["lost_reason"] = ["Only a lost deal has a lost reason."]
    return errors


def _resolve_role_stakeholders(*, actor, items: list[Item]) -> None:
    """Turn each item's `roles` into (stakeholder_id, role, stance, influence,
    strength, leans) tuples, resolving stakeholders of the whole batch in one query."""
    ids, externals = set(), set()
    for item in items:
        for role in item.data.get("roles") or []:
            if role.get("stakeholder") is not None:
                ids.add(role["stakeholder"])
            if role.get("stakeholder_external_id") is not None:
                externals.add(role["stakeholder_external_id"])
    found = list(
        stakeholders_visible_to(actor).filter(Q(pk__in=ids) | Q(external_id__in=externals))
    ) if ids or externals else []
    by_id = {s.pk: s for s in found}
    by_external = {s.external_id: s for s in found if s.external_id}
    for item in items:
        if "roles" not in item.data:
            continue
        wanted, reasons = [], []
        for n, role in enumerate(item.data["roles"]):
            if (role.get("stakeholder") is None) == (role.get("stakeholder_external_id") is None):
                reasons.append(f"item {n}: give stakeholder or stakeholder_external_id (one of them).")
                continue
            person = by_id.get(role["stakeholder"]) if role.get("stakeholder") is not None else by_external.get(
                role["stakeholder_external_id"]
            )
            if person is None:
                reasons.append(f"item {n}: no such stakeholder (or not visible to you).")
                continue
            merged = {**ROLE_DEFAULTS, **{k: v for k, v in role.items() if k in ROLE_DEFAULTS}}
            wanted.append((person.pk, role["role"], merged["stance"], merged["influence"], merged["strength"],
                           merged["leans_to_competitor"], person.account_id))
        keys = [(w[0], w[1]) for w in wanted]
        if len(set(keys)) != len(keys):
            reasons.append("A stakeholder appears twice with the same role.")
        if reasons:
            item.result.fail({"roles": reasons})
        else:
            item.extra["roles"] = wanted


def _check_roles_account(item: Item, account_id: int) -> bool:
    if any(w[6] != account_id for w in item.extra.get("roles", [])):
        item.error("roles", "Every stakeholder in roles must be at the deal's account.")
        return False
    return True


def _role_rows(opportunity_id: int, roles: list[tuple]) -> list[DealRole]:
    return [
        DealRole(
            opportunity_id=opportunity_id, stakeholder_id=s, role=r, stance=st, influence=i, strength=n,
            leans_to_competitor=leans,
        )
        for s, r, st, i, n, leans, _account in roles
    ]


def role_signature(roles) -> set[tuple]:
    return {(r[0], r[1], r[2], r[3], r[4], r[5]) for r in roles}


# --- opportunities --------------------------------------------------------------------


def _prepare_opportunities(
    *, actor, batch: list[Item], stages: dict[str, Stage] | None = None, account_ids: bool = False
) -> None:
    """Resolve stages, accounts, owners and roles into `item.values`; the account as
    `account` (an instance) or, with `account_ids`, as `account_id`."""
    stages = stages if stages is not None else _stages()
    for item in batch:
        item.values.update({k: v for k, v in item.data.items() if k in OPPORTUNITY_PLAIN})
        if "stage" in item.data:
            stage = stages.get(item.data["stage"])
            if stage is None:
                item.error("stage", f"Unknown stage; one of: {', '.join(stages)}.")
            else:
                item.values["stage"] = stage
        elif stages:  # a new deal without a stage starts at the first one
            item.extra["default_stage"] = next(iter(stages.values()))
    resolve_refs(
        items=live(batch), queryset=accounts_visible_to(actor), id_field="account",
        external_field="account_external_id", target="account_id" if account_ids else "account", label="account",
        ids_only=account_ids,
    )
    resolve_owners(actor=actor, items=live(batch))
    _resolve_role_stakeholders(actor=actor, items=live(batch))


# What an upsert may change on a deal (what `write_changed` writes, `updated_at` aside), by attname.
_read_written = attrgetter(*(
    Opportunity._meta.get_field(name).attname for name in OPPORTUNITY_WRITE_FIELDS if name != "updated_at"
))


def _apply_opportunity(*, item: Item, opportunity: Opportunity, is_new: bool, now) -> bool:
    """Set the item's values on `opportunity` with the same rules as the
    services (status → forecast category, competitors, lost reason). Returns
    whether anything changed (always, for a new deal); records errors on the item."""
    before = None if is_new else _read_written(opportunity)
    old_stage_id = opportunity.stage_id
    for name, value in item.values.items():
        if name in ("account", "account_id", "owner") and value is None:
            continue
        setattr(opportunity, name, value)
    opportunity.competitors = normalise_competitors(opportunity.competitors)
    if opportunity.status != Opportunity.Status.LOST and "lost_reason" not in item.data:
        opportunity.lost_reason = ""
    explicit = set(item.data)
    if is_new:
        explicit.add("stage")
    elif opportunity.stage_id == old_stage_id:
        explicit.discard("stage")
    _apply_status_rules(opportunity, explicit)
    if is_new or opportunity.stage_id != old_stage_id:
        opportunity.stage_entered_at = now
    errors = _opportunity_errors(opportunity)
    if errors:
        item.result.fail(errors)
        return False
    if not _check_roles_account(item, opportunity.account_id):
        return False
    return is_new or _read_written(opportunity) != before


def opportunities_upsert(*, actor, items: list[dict[str, Any]]) -> list[UpsertResult]:
    """Create or update opportunities (and, when `roles` is given, their whole
    political map) by external id. One result per item, in input order."""
    results, batch = parse_batch(items, OPPORTUNITY_SPECS, read_only=OPPORTUNITY_READ_ONLY)
    stages = _stages()
    stages_by_id = {stage.pk: stage for stage in stages.values()}
    # A bulk write only needs each account's id: 1,000 Account instances are not worth building.
    _prepare_opportunities(actor=actor, batch=batch, stages=stages, account_ids=True)
    now = timezone.now()
    current_roles: dict[str, set[tuple]] = {}

    def load_current_roles() -> None:
        if current_roles or not batch:
            return
        current_roles["__loaded__"] = set()
        rows = DealRole.objects.filter(opportunity__external_id__in=[i.external_id for i in batch]).values_list(
            "opportunity__external_id", "stakeholder_id", "role", "stance", "influence", "strength",
            "leans_to_competitor",
        )
        for external_id, *rest in rows:
            current_roles.setdefault(external_id, set()).add(tuple(rest))

    def build(item: Item, current: Opportunity | None) -> str | None:
        if current is None:
            if not require(item, OPPORTUNITY_SPECS, {"account": "account_external_id"}):
                return None
            opportunity = new_instance(
                Opportunity, external_id=item.external_id, owner=item.values.get("owner") or actor,
                stage=item.values.get("stage") or item.extra.get("default_stage"),
            )
            item.instance = opportunity
            if not _apply_opportunity(item=item, opportunity=opportunity, is_new=True, now=now) and item.result.errors:
                return None
            item.extra["roles_changed"] = bool(item.extra.get("roles"))
            return CREATED
        # No stage instance is needed here: a stage sent sets one (`_apply_opportunity`), and
        # without one only stage_id is read.
        item.extra["before"] = _read_tracked(current)
        item.instance = current
        owner_id = current.owner_id
        differs = _apply_opportunity(item=item, opportunity=current, is_new=False, now=now)
        if item.result.errors:
            return None
        if current.owner_id != owner_id:
            item.extra["previous_owner_id"] = owner_id
        if "roles" in item.extra:
            load_current_roles()
            item.extra["roles_changed"] = role_signature(item.extra["roles"]) != current_roles.get(
                item.external_id, set()
            )
            differs = differs or item.extra["roles_changed"]
        return UPDATED if differs else UNCHANGED

    history: list[list[tuple] | CopyText] = []

    def build_history(created: list[Item], updated: list[Item]) -> None:
        history.append(_history_rows(actor=actor, created=created, updated=updated, now=now,
                                     stages_by_id=stages_by_id, as_copy_text=connection.vendor == "postgresql"))

    with transaction.atomic():
        created, updated = run_upsert(
            # Columns neither checked, written nor audited stay in the database (datetimes are slow to load);
            # updated_at is written, but never read: the write stamps it.
            model=Opportunity, items=live(batch),
            queryset=Opportunity.objects.defer(
                "created_at", "updated_at", "last_activity_at", "last_senior_engagement_at"
            ),
            visible_q=visible_owner_ids_q(actor), build=build, update_fields=OPPORTUNITY_WRITE_FIELDS,
            while_auditing=build_history,
        )
        copy_rows(OpportunityFieldChange, _HISTORY_COLUMNS, history[0])
        roles_changed = [i for i in created + updated if i.extra.get("roles_changed")]
        if roles_changed:
            DealRole.objects.filter(
                opportunity_id__in=[i.result.id for i in roles_changed if i.result.result == UPDATED]
            ).delete()
            new_roles = DealRole.objects.bulk_create(
                [row for i in roles_changed for row in _role_rows(i.result.id, i.extra["roles"])], batch_size=1000
            )
            audit_record_bulk(
                actor=None, resource="deal_role", rows_before={}, source=current_audit_context().source,
                rows_after=audit_snapshot_rows(resource="deal_role", ids=[r.pk for r in new_roles]),
            )
            opportunities_refresh_engagement(opportunity_ids=[i.result.id for i in roles_changed])
        announce_deal_changed(
            [i.result.id for i in created + updated],
            previous_owner_ids=[i.extra["previous_owner_id"] for i in updated if "previous_owner_id" in i.extra],
        )
    return results


# The tracked fields as an instance holds them (the stage by id), read in one call.
_TRACKED_ATTNAMES = tuple("stage_id" if f == "stage" else f for f in OpportunityFieldChange.TRACKED_FIELDS)
_read_tracked = attrgetter(*_TRACKED_ATTNAMES)
# A new deal's history starts with these, when set (field, position in _TRACKED_ATTNAMES).
_CREATED_HISTORY = tuple(
    (field, OpportunityFieldChange.TRACKED_FIELDS.index(field))
    for field in ("stage", "expected_close_date", "amount", "forecast_category")
)


_HISTORY_COLUMNS = ["opportunity_id", "field", "old_value", "new_value", "changed_by_id", "changed_at"]


def _history_rows(
    *, actor, created: list[Item], updated: list[Item], now, stages_by_id: dict[int, Stage], as_copy_text: bool,
) -> list[tuple] | CopyText:
    """Field history rows for the batch (values in `_HISTORY_COLUMNS` order), as
    `deals.services` writes them one deal at a time: tracked values compared as read
    (`item.extra["before"]`, from `build`), and turned into text only where they differ.
    With `as_copy_text`, as COPY text: the same values without psycopg dumping each
    of them (~4,000 rows a batch when every tracked field changes)."""
    changed_by = actor.pk if actor is not None else None
    if as_copy_text:
        # The last two columns are the same on every row.
        tail = f"\t{COPY_NULL if changed_by is None else changed_by}\t{now.isoformat()}\n"

        def row(pk: int, field: str, old: str, new: str) -> str:
            return f"{pk}\t{field}\t{copy_escaped(old)}\t{copy_escaped(new)}{tail}"
    else:
        def row(pk: int, field: str, old: str, new: str) -> tuple:
            return (pk, field, old, new, changed_by, now)
    slugs = {pk: stage.slug for pk, stage in stages_by_id.items()}

    def stage_text(stage_id) -> str:
        return slugs[stage_id] if stage_id else ""

    # How each tracked value (in _TRACKED_ATTNAMES order) becomes text, looked up once per field.
    texts = tuple(stage_text if field == "stage" else _tracked_text for field in OpportunityFieldChange.TRACKED_FIELDS)
    tracked = tuple(zip(OpportunityFieldChange.TRACKED_FIELDS, texts, strict=True))
    created_fields = tuple((field, position, texts[position]) for field, position in _CREATED_HISTORY)

    rows = []
    append = rows.append
    for item in created:
        values = _read_tracked(item.instance)
        for field, position, text in created_fields:
            if new := text(values[position]):
                append(row(item.result.id, field, "", new))
    for item in updated:
        before, after = item.extra["before"], _read_tracked(item.instance)
        if before == after:
            continue
        for (field, text), old, new in zip(tracked, before, after, strict=True):
            if old != new and (old_text := text(old)) != (new_text := text(new)):
                append(row(item.result.id, field, old_text, new_text))
    return CopyText("".join(rows)) if as_copy_text else rows


# --- activities -----------------------------------------------------------------------


def _prepare_activities(*, actor, batch: list[Item]) -> None:
    for item in batch:
        item.values.update({k: v for k, v in item.data.items() if k in ("kind", "occurred_at", "summary")})
        when = item.data.get("occurred_at")
        if when is not None and when > timezone.now() + timedelta(days=1):
            item.error("occurred_at", "An activity cannot be logged in the future.")
    resolve_refs(
        items=live(batch), queryset=opportunities_visible_to(actor), id_field="opportunity",
        external_field="opportunity_external_id", target="opportunity", label="opportunity",
    )
    ids, externals = set(), set()
    for item in live(batch):
        if item.data.get("stakeholders") is not None and item.data.get("stakeholder_external_ids") is not None:
            item.error("stakeholder_external_ids", "Give stakeholders or stakeholder_external_ids, not both.")
        ids.update(item.data.get("stakeholders") or [])
        externals.update(item.data.get("stakeholder_external_ids") or [])
    found = list(
        stakeholders_visible_to(actor).filter(Q(pk__in=ids) | Q(external_id__in=externals))
    ) if ids or externals else []
    by_id = {s.pk: s for s in found}
    by_external = {s.external_id: s for s in found if s.external_id}
    for item in live(batch):
        if "stakeholders" in item.data:
            field, people = "stakeholders", [by_id.get(i) for i in item.data["stakeholders"]]
        elif "stakeholder_external_ids" in item.data:
            field, people = "stakeholder_external_ids", [by_external.get(e) for e in item.data["stakeholder_external_ids"]]
        else:
            continue
        if any(p is None for p in people):
            item.error(field, "No such stakeholder (or not visible to you).")
        else:
            item.extra["stakeholders"] = people


def activities_upsert(*, actor, items: list[dict[str, Any]]) -> list[UpsertResult]:
    """Create or update activities by external id. One result per item, in input order."""
    results, batch = parse_batch(items, ACTIVITY_SPECS, read_only=ACTIVITY_READ_ONLY)
    _prepare_activities(actor=actor, batch=batch)
    current_people: dict[int, set[int]] = {}

    def build(item: Item, current: Activity | None) -> str | None:
        opportunity = item.values.pop("opportunity", None)
        if current is None:
            if not require(item, ACTIVITY_SPECS, {"opportunity": "opportunity_external_id"}):
                return None
            item.instance = Activity(
                external_id=item.external_id, opportunity=opportunity, logged_by=actor, occurred_at=timezone.now(),
            )
        elif opportunity is not None and opportunity.pk != current.opportunity_id:
            item.error("opportunity", "An activity cannot move to another deal.")
            return None
        else:
            item.instance = current
        activity = item.instance
        account_id = (opportunity or current.opportunity).account_id
        people = item.extra.get("stakeholders")
        if people is not None and any(p.account_id != account_id for p in people):
            item.error(
                "stakeholders" if "stakeholders" in item.data else "stakeholder_external_ids",
                "Every participant must be a stakeholder at the deal's account.",
            )
            return None
        differs = False
        for name, value in item.values.items():
            if getattr(activity, name) != value:
                setattr(activity, name, value)
                differs = True
        if current is None:
            item.extra["people_changed"] = bool(people)
            return CREATED
        if people is not None:
            if not current_people:
                current_people[0] = set()
                for activity_id, person in Activity.stakeholders.through.objects.filter(
                    activity__external_id__in=[i.external_id for i in batch]
                ).values_list("activity_id", "stakeholder_id"):
                    current_people.setdefault(activity_id, set()).add(person)
            item.extra["people_changed"] = {p.pk for p in people} != current_people.get(current.pk, set())
            differs = differs or item.extra["people_changed"]
        return UPDATED if differs else UNCHANGED

    with transaction.atomic():
        created, updated = run_upsert(
            model=Activity, queryset=Activity.objects.select_related("opportunity"), items=live(batch),
            visible_q=visible_owner_ids_q(actor, owner_field="opportunity__owner"), build=build,
            update_fields=ACTIVITY_WRITE_FIELDS,
        )
        moved = [i for i in created + updated if i.extra.get("people_changed")]
        through = Activity.stakeholders.through
        if moved:
            through.objects.filter(activity_id__in=[i.result.id for i in moved]).delete()
            through.objects.bulk_create([
                through(activity_id=i.result.id, stakeholder_id=p.pk) for i in moved for p in i.extra["stakeholders"]
            ])
        touched = {i.instance.opportunity_id for i in created + updated}
        if touched:
            opportunities_refresh_engagement(opportunity_ids=touched)
        announce_deal_changed(touched)
    return results


# --- single-object writes for the API views ------------------------------------------


def opportunity_write(
    *, actor, raw: Any, opportunity: Opportunity | None = None, partial: bool = False, extra_specs=None,
) -> Opportunity:
    """Create (opportunity=None) or update one deal from an API body, through
    the same services the browser uses; `roles`, when given, replaces the whole
    political map. Call inside a transaction holding the deal's row lock."""
    specs = {**OPPORTUNITY_SPECS, **(extra_specs or {})}
    data = parse_single(raw=raw, specs=specs, read_only=OPPORTUNITY_READ_ONLY, partial=partial)
    item = item_for(data=data)
    _prepare_opportunities(actor=actor, batch=[item])
    raise_item_errors(item)
    fields = dict(item.values)
    if "external_id" in data:
        fields["external_id"] = data["external_id"]
    if opportunity is None:
        opportunity = opportunity_create(
            actor=actor, account=fields.pop("account"), name=fields.pop("name"),
            stage=fields.pop("stage", None) or item.extra.get("default_stage"), owner=fields.pop("owner", None),
            **fields,
        )
    else:
        opportunity = opportunity_update(actor=actor, opportunity=opportunity, data=fields)
    if "roles" in item.extra:
        if not _check_roles_account(item, opportunity.account_id):
            raise_item_errors(item)
        deal_roles_replace(actor=actor, opportunity=opportunity, roles=item.extra["roles"])
    return opportunity


def activity_write(
    *, actor, raw: Any, activity: Activity | None = None, partial: bool = False, extra_specs=None,
) -> Activity:
    """Log (activity=None) or change one activity from an API body, through the services."""
    specs = {**ACTIVITY_SPECS, **(extra_specs or {})}
    data = parse_single(raw=raw, specs=specs, read_only=ACTIVITY_READ_ONLY, partial=partial)
    item = item_for(data=data)
    _prepare_activities(actor=actor, batch=[item])
    raise_item_errors(item)
    people = item.extra.get("stakeholders")
    fields = {k: v for k, v in item.values.items() if k in ("kind", "occurred_at", "summary")}
    if activity is None:
        return activity_log(
            actor=actor, opportunity=item.values["opportunity"], kind=fields.get("kind", Activity.Kind.MEETING),
            summary=fields["summary"], occurred_at=fields.get("occurred_at"), stakeholders=people or (),
            external_id=data.get("external_id"),
        )
    opportunity = item.values.get("opportunity")
    if opportunity is not None and opportunity.pk != activity.opportunity_id:
        item.error("opportunity", "An activity cannot move to another deal.")
        raise_item_errors(item)
    if "external_id" in data:
        fields["external_id"] = data["external_id"]
    return activity_update(actor=actor, activity=activity, data=fields, stakeholders=people)


@transaction.atomic
def deal_roles_replace(*, actor, opportunity: Opportunity, roles: list[tuple]) -> bool:
    """Replace the deal's whole political map; True when it changed."""
    current = set(
        opportunity.roles.values_list("stakeholder_id", "role", "stance", "influence", "strength", "leans_to_competitor")
    )
    if current == role_signature(roles):
        return False
    opportunity.roles.all().delete()
    DealRole.objects.bulk_create(_role_rows(opportunity.pk, roles))
    opportunities_refresh_engagement(opportunity_ids=[opportunity.pk])
    Opportunity.objects.filter(pk=opportunity.pk).update(updated_at=timezone.now())
    announce_deal_changed([opportunity.pk])
    return True
