"""Reads of flags (always scoped to what the user may see) and the
decay-adjusted pipeline totals."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, FloatField, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils import timezone

from dealcoach.permissions import visible_owner_ids_q
from deals.propensity import propensity_expression

from .models import Flag, SweepRun

STATUSES = ("open", "snoozed", "cleared")
CENTS = Decimal("0.01")


def sweep_done_today(*, today: dt.date | None = None) -> bool:
    """Whether a sweep for today (local date) has completed: a `SweepRun` is
    written in the sweep's own transaction, so one exists only for a sweep that
    committed. Readiness checks and the daily guarantee (tasks.ensure_daily_sweep) read it."""
    return SweepRun.objects.filter(as_of=today or timezone.localdate()).exists()


def flags_visible_to(user) -> QuerySet[Flag]:
    """Flags on the not-deleted deals `user` may see."""
    return Flag.objects.filter(opportunity__deleted_at__isnull=True).filter(
        visible_owner_ids_q(user, owner_field="opportunity__owner")
    )


def flags_with_status(qs: QuerySet[Flag], status: str, *, today: dt.date | None = None) -> QuerySet[Flag]:
    """open: not cleared (snoozed or not); snoozed: open with a snooze that has
    not ended; cleared: cleared."""
    today = today or timezone.localdate()
    if status == "open":
        return qs.filter(cleared_at__isnull=True)
    if status == "snoozed":
        return qs.filter(cleared_at__isnull=True, snoozed_until__gt=today)
    if status == "cleared":
        return qs.filter(cleared_at__isnull=False)
    raise ValueError(f"Unknown flag status {status!r}; expected one of {', '.join(STATUSES)}.")


def flag_get_for_user(*, user, flag_id) -> Flag:
    """The flag, if `user` may see its deal; Http404 otherwise."""
    try:
        return flags_visible_to(user).select_related(
            "opportunity", "opportunity__owner", "opportunity__owner__team", "snoozed_by"
        ).get(pk=flag_id)
    except (Flag.DoesNotExist, ValueError, TypeError):
        raise Http404("No such flag.") from None


def open_flags_for(opportunity_ids: Iterable[int]) -> dict[int, list[Flag]]:
    """Open flags (snoozed included) of each deal, in one query, for lists and
    deal pages. Deals without flags are absent from the dict. The caller has
    already checked the user may see these deals."""
    result: dict[int, list[Flag]] = defaultdict(list)
    ids = list(opportunity_ids)
    if not ids:
        return {}
    for flag in (
        Flag.objects.filter(opportunity_id__in=ids, cleared_at__isnull=True)
        .select_related("snoozed_by")
        .order_by("opportunity_id", "raised_at", "id")
    ):
        result[flag.opportunity_id].append(flag)
    return dict(result)


@dataclass
class CurrencyTotals:
    deals: int
    amount: Decimal
    weighted: Decimal
    decay_adjusted: Decimal


@dataclass
class PipelineTotals:
    """Plain weighted (amount × stage probability) and decay-adjusted weighted
    (amount × propensity) totals. Amounts are not converted between currencies:
    `by_currency` has one entry per currency; the top-level figures add them up
    as they are, which is only meaningful when there is one currency."""

    deals: int = 0
    amount: Decimal = Decimal("0.00")
    weighted: Decimal = Decimal("0.00")
    decay_adjusted: Decimal = Decimal("0.00")
    by_currency: dict[str, CurrencyTotals] = field(default_factory=dict)

    @property
    def single_currency(self) -> str | None:
        return next(iter(self.by_currency)) if len(self.by_currency) == 1 else None


def pipeline_totals(opportunity_qs, *, as_of: dt.date | None = None) -> PipelineTotals:
    """Totals over `opportunity_qs` (already scoped by the caller) as of `as_of`
    (default today), in one query."""
    probability = Cast(F("stage__probability"), FloatField()) / Value(100.0)
    decayed_share = propensity_expression(as_of=as_of or timezone.localdate())
    amount = Cast(F("amount"), FloatField())
    money = DecimalField(max_digits=20, decimal_places=2)
    rows = (
        opportunity_qs.order_by()
        .values("currency")
        .annotate(
            deals=Count("id"),
            total=Coalesce(Sum("amount"), Value(Decimal("0")), output_field=money),
            weighted=Coalesce(
                Sum(ExpressionWrapper(amount * probability, output_field=FloatField())), Value(0.0)
            ),
            decay_adjusted=Coalesce(
                Sum(ExpressionWrapper(amount * decayed_share, output_field=FloatField())), Value(0.0)
            ),
        )
        .order_by("currency")
    )
    totals = PipelineTotals()
    for row in rows:
        entry = CurrencyTotals(
            deals=row["deals"],
            amount=Decimal(row["total"]).quantize(CENTS),
            weighted=Decimal(str(row["weighted"])).quantize(CENTS),
            decay_adjusted=Decimal(str(row["decay_adjusted"])).quantize(CENTS),
        )
        totals.by_currency[row["currency"]] = entry
        totals.deals += entry.deals
        totals.amount += entry.amount
        totals.weighted += entry.weighted
        totals.decay_adjusted += entry.decay_adjusted
    return totals


def flag_counts_by_kind(flag_qs: QuerySet[Flag]) -> dict[str, int]:
    """Open (not snoozed) flags per kind, for summaries."""
    today = timezone.localdate()
    rows = (
        flag_qs.filter(cleared_at__isnull=True)
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=today))
        .order_by()
        .values("kind")
        .annotate(n=Count("id"))
    )
    return {row["kind"]: row["n"] for row in rows}


def sweep_age_seconds() -> float | None:
    """Seconds since the latest sweep finished (None before the first)."""
    finished = SweepRun.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()
    return None if finished is None else (timezone.now() - finished).total_seconds()
