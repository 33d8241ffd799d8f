"""Writes for stale-deal flags: the sweep, the owner digest, snoozes."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape

from coaching.closeplan.digest import (
    buyer_action_owner_ids,
    buyer_actions_mark_announced,
    buyer_actions_to_announce,
)
from dealcoach.models import User
from dealcoach.permissions import can_own_deals_of
from deals.models import Stage
from sync.models import WebhookSubscription
from sync.webhooks import WebhookEvent, webhooks_emit_many

from . import rules, sweep
from .models import Flag, SweepRun

logger = logging.getLogger("dealcoach.stale")

# pg_try_advisory_xact_lock key: "only one sweep at a time" (any fixed bigint).
SWEEP_LOCK_KEY = 5_143_117_001
# How far a write's timestamp (taken by an app server's clock) may lag the
# sweep's clock and still be picked up by an incremental rerun (NTP keeps
# hosts well within this; uncommitted writes are covered by the horizon).
CLOCK_SKEW = dt.timedelta(seconds=30)


@dataclass
class SweepResult:
    as_of: dt.date
    raised: int = 0
    cleared: int = 0
    open: int = 0
    skipped: bool = False  # another sweep held the lock
    incremental: bool = False  # only the deals touched since the last sweep for as_of
    deals: int = 0  # open deals evaluated
    raised_by_kind: dict[str, int] = field(default_factory=dict)
    cleared_by_kind: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        return data


def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _sweep_params(as_of: dt.date, now: dt.datetime) -> dict:
    window_days = settings.DEALCOACH_ENGAGEMENT_WINDOW_DAYS
    ops = connection.ops
    return {
        "as_of": ops.adapt_datefield_value(as_of),
        "tz": timezone.get_current_timezone_name(),
        "now": ops.adapt_datetimefield_value(now),
        "half_life": int(settings.DEALCOACH_DECAY_HALF_LIFE_DAYS),
        "window_days": int(window_days),
        # Engaged: took part in an activity on a day from as_of - window to as_of.
        "window_start": ops.adapt_datetimefield_value(_start_of_day(as_of - dt.timedelta(days=window_days))),
        "window_end": ops.adapt_datetimefield_value(_start_of_day(as_of + dt.timedelta(days=1))),
    }


def _try_sweep_lock(cursor) -> bool:
    """Call inside a transaction. PostgreSQL: one sweep at a time, a second one
    returns at once; released at commit. SQLite is single-writer anyway."""
    if connection.vendor != "postgresql":
        return True
    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SWEEP_LOCK_KEY])
    return bool(cursor.fetchone()[0])


def _rules_fingerprint() -> str:
    """What the state depends on besides the deals: settings and stages."""
    stages = list(Stage.objects.order_by("pk").values_list("pk", "name", "rot_days", "probability"))
    facts = [settings.DEALCOACH_DECAY_HALF_LIFE_DAYS, settings.DEALCOACH_ENGAGEMENT_WINDOW_DAYS,
             timezone.get_current_timezone_name(), sweep._milestone_tables() is not None, stages]
    return hashlib.sha256(repr(facts).encode()).hexdigest()


def _visibility_horizon(cursor, now: dt.datetime) -> dt.datetime:
    """An instant such that every write stamped before it was committed before
    this sweep's snapshot: the start of the oldest other open transaction on
    PostgreSQL (its writes are invisible to us but may carry older stamps),
    less a margin for clock skew between app servers."""
    horizon = now
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT MIN(xact_start) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
        )
        oldest = cursor.fetchone()[0]
        if oldest is not None:
            horizon = min(horizon, oldest)
    return horizon - CLOCK_SKEW


def _incremental_base(as_of: dt.date, fingerprint: str) -> SweepRun | None:
    """The last completed sweep, if it was for the same day under the same
    rules: then only deals touched since it can have a different state."""
    last = SweepRun.objects.order_by("-finished_at", "-id").first()
    if last is not None and last.as_of == as_of and last.fingerprint == fingerprint:
        return last
    return None


def _emit_flag_webhooks(*, at: dt.datetime) -> int:
    """Queue flag.raised / flag.cleared webhooks for this sweep's changes, in
    its transaction. Nothing is read unless someone subscribed to flag events."""
    subscribed = {e for events in WebhookSubscription.objects.filter(active=True).values_list("events", flat=True)
                  for e in events if e.startswith("flag.")}
    if not subscribed:
        return 0
    events = []
    for event, changed in (("flag.raised", Q(raised_at=at)), ("flag.cleared", Q(cleared_at=at))):
        if event not in subscribed:
            continue
        for flag in Flag.objects.filter(changed).select_related("opportunity").iterator(chunk_size=2000):
            events.append(WebhookEvent(event=event, owner_id=flag.opportunity.owner_id, payload={
                "id": flag.pk, "opportunity": flag.opportunity_id,
                "opportunity_external_id": flag.opportunity.external_id, "kind": flag.kind,
                "reason": flag.reason, "raised_at": flag.raised_at.isoformat(),
                "cleared_at": flag.cleared_at.isoformat() if flag.cleared_at else None,
            }))
    return webhooks_emit_many(events=events)


def flags_sweep(*, as_of: dt.date | None = None, full: bool = False) -> SweepResult:
    """Raise and clear every kind of flag over all open, not-deleted deals for
    `as_of` (default today).

    Set-based (a handful of statements whatever the number of deals),
    idempotent (a rerun changes nothing), and safe to trigger twice: the second
    concurrent sweep finds the lock taken and returns `skipped`. When the last
    completed sweep was for the same `as_of` (and `full` is not asked), only
    the deals touched since it are re-evaluated; each sweep is recorded as a
    `SweepRun` in its own transaction."""
    as_of = as_of or timezone.localdate()
    result = SweepResult(as_of=as_of)
    d = sweep.dialect()
    with transaction.atomic(), connection.cursor() as cursor:
        if not _try_sweep_lock(cursor):
            result.skipped = True
            logger.info("stale sweep for %s skipped: another sweep is running", as_of)
            return result
        now = timezone.now()
        since = _visibility_horizon(cursor, now)
        fingerprint = _rules_fingerprint()
        base = None if full else _incremental_base(as_of, fingerprint)
        scoped = result.incremental = base is not None
        params = _sweep_params(as_of, now)
        if connection.vendor == "postgresql":
            # Dates in reasons read YYYY-MM-DD whatever the server's default.
            cursor.execute("SET LOCAL datestyle = 'ISO, YMD'")
            # One big aggregate: hash it in memory rather than sort on disk; JIT
            # compilation costs more than it saves on these plans.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
            # Fresh statistics for the flag table the state joins (it may have
            # grown by a million rows since autovacuum last looked).
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Flag._meta.db_table)}")
        cursor.execute(f"DROP TABLE IF EXISTS {sweep.STATE_TABLE}")
        cursor.execute(f"DROP TABLE IF EXISTS {sweep.SCOPE_TABLE}")
        if scoped:
            scope_params = {**params, "since": connection.ops.adapt_datetimefield_value(base.since)}
            cursor.execute(sweep.scope_table_sql(), scope_params)
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {sweep.SCOPE_TABLE}")
        cursor.execute(sweep.create_state_table_sql(d, scoped=scoped), params)
        result.deals = max(cursor.rowcount, 0)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {sweep.STATE_TABLE}")
        for kind, (condition, reason) in sweep.kind_rules().items():
            kind_params = {**params, "kind": kind}
            cursor.execute(sweep.clear_sql(condition, scoped=scoped), kind_params)
            result.cleared_by_kind[kind] = max(cursor.rowcount, 0)
            cursor.execute(sweep.raise_sql(kind, condition, reason), kind_params)
            result.raised_by_kind[kind] = max(cursor.rowcount, 0)
        cursor.execute(f"DROP TABLE {sweep.STATE_TABLE}")
        if scoped:
            cursor.execute(f"DROP TABLE {sweep.SCOPE_TABLE}")
        _emit_flag_webhooks(at=now)
        SweepRun.objects.create(as_of=as_of, since=since, started_at=now, finished_at=timezone.now(),
                                fingerprint=fingerprint, incremental=scoped, deals=result.deals)
    result.raised = sum(result.raised_by_kind.values())
    result.cleared = sum(result.cleared_by_kind.values())
    result.open = Flag.objects.filter(cleared_at__isnull=True).count()
    logger.info(
        "stale sweep for %s (%s, %d deals): raised %d, cleared %d, open %d", as_of,
        "incremental" if result.incremental else "full", result.deals, result.raised, result.cleared, result.open,
    )
    return result


# --- the owner digest -------------------------------------------------------------


def _digest_lines(owner, flags: list[Flag], buyer_actions: list) -> list[str]:
    lines = [f"Hello {owner.get_full_name() or owner.username},", ""]
    if flags:
        by_deal: dict[int, list[Flag]] = defaultdict(list)
        for flag in flags:
            by_deal[flag.opportunity_id].append(flag)
        lines += ["These deals of yours were flagged since your last digest:", ""]
        for deal_flags in by_deal.values():
            opportunity = deal_flags[0].opportunity
            lines.append(f"{opportunity.name} ({opportunity.account.name})")
            lines.extend(f"  - {flag.get_kind_display()}: {flag.reason}" for flag in deal_flags)
            lines.append("")
        lines.append("Act on them, or snooze a flag with a reason your manager can read.")
        lines.append("")
    if buyer_actions:
        lines += ["Your customers worked on the plans you shared:", ""]
        for action in buyer_actions:
            opportunity = action.plan.opportunity
            lines.append(f"{opportunity.name}: {action.stakeholder_name} — {action.summary}")
        lines += ["", "Answer them on each deal's close plan: they see your replies there."]
    return lines


def _digest_html(lines: list[str]) -> str:
    # What buyers typed goes out escaped: the HTML part of the mail is markup.
    return "".join(f"<p>{escape(line)}</p>" if line else "" for line in lines)


def flags_send_digest_to_owner(*, owner_id: int, now: dt.datetime | None = None) -> int:
    """Email one owner the open flags on their deals not announced yet, and what their
    customers did on shared plans since the last digest, and mark them notified in the
    same transaction: a rerun finds nothing to send, and two concurrent runs cannot both
    take the same rows (SKIP LOCKED). Returns the number of flags and buyer actions announced."""
    now = now or timezone.now()
    with transaction.atomic():
        pending = list(
            Flag.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(opportunity__owner_id=owner_id, cleared_at__isnull=True, notified_at__isnull=True,
                    opportunity__deleted_at__isnull=True, opportunity__status="open")
            .select_related("opportunity", "opportunity__account", "opportunity__owner")
            .order_by("opportunity__name", "opportunity_id", "kind")
        )
        buyer_actions = buyer_actions_to_announce(owner_id=owner_id)
        if not pending and not buyer_actions:
            return 0
        owner = User.objects.get(pk=owner_id)
        if owner.is_active and owner.email:
            parts = []
            if pending:
                parts.append(f"{len(pending)} new flag{'s' if len(pending) != 1 else ''}")
            if buyer_actions:
                parts.append(f"{len(buyer_actions)} customer action{'s' if len(buyer_actions) != 1 else ''}")
            subject = f"dealcoach: {' and '.join(parts)} on your deals"
            lines = _digest_lines(owner, pending, buyer_actions)
            send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [owner.email],
                      html_message=_digest_html(lines))
        else:
            logger.info("digest for user %s not sent: no email or inactive", owner_id)
        Flag.objects.filter(pk__in=[flag.pk for flag in pending]).update(notified_at=now)
        buyer_actions_mark_announced(ids=[action.pk for action in buyer_actions], now=now)
    return len(pending) + len(buyer_actions)


def flags_send_digests(*, as_of: dt.date | None = None) -> dict[str, int]:
    """The daily digest: each owner with newly raised open flags, or customers who worked
    on a shared plan, gets one email. `as_of` is accepted for symmetry with the sweep; what
    is "new" is what was never announced (`notified_at` is empty)."""
    now = timezone.now()
    owner_ids = sorted(set(
        Flag.objects.filter(cleared_at__isnull=True, notified_at__isnull=True,
                            opportunity__deleted_at__isnull=True, opportunity__status="open")
        .values_list("opportunity__owner_id", flat=True)
    ) | buyer_action_owner_ids())
    emails = flags = 0
    for owner_id in owner_ids:
        announced = flags_send_digest_to_owner(owner_id=owner_id, now=now)
        flags += announced
        emails += 1 if announced else 0
    return {"owners": emails, "flags": flags}


# --- snoozes ------------------------------------------------------------------------


def _check_may_act_on(actor, flag: Flag) -> None:
    """The deal's owner or their manager (or an admin) may snooze its flags."""
    if not can_own_deals_of(actor, flag.opportunity.owner):
        raise PermissionDenied("Only the deal's owner or their manager can snooze its flags.")


@transaction.atomic
def flag_snooze(*, actor, flag: Flag, until: dt.date | None, reason: str) -> Flag:
    """Snooze an open flag until a future date, with a reason the manager sees.
    The flag stays open; it shows as open again on `until`."""
    _check_may_act_on(actor, flag)
    locked = Flag.objects.select_for_update().get(pk=flag.pk)
    if locked.cleared_at is not None:
        raise ValidationError("This flag was cleared; there is nothing to snooze.")
    errors = rules.check_snooze(until=until, reason=reason, today=timezone.localdate())
    if errors:
        raise ValidationError(errors)
    locked.snoozed_until, locked.snooze_reason, locked.snoozed_by = until, reason.strip(), actor
    locked.save(update_fields=["snoozed_until", "snooze_reason", "snoozed_by"])
    return locked


@transaction.atomic
def flag_unsnooze(*, actor, flag: Flag) -> Flag:
    _check_may_act_on(actor, flag)
    locked = Flag.objects.select_for_update().get(pk=flag.pk)
    locked.snoozed_until, locked.snooze_reason, locked.snoozed_by = None, "", None
    locked.save(update_fields=["snoozed_until", "snooze_reason", "snoozed_by"])
    return locked
