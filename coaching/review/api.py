"""REST API of the review: GET /api/v1/review/attention/?team=<id> — the same
attention ranking as the page, the CSV export and the digest, with the team's
headline totals in its reporting currency. Managers and admins see their
teams; someone who reviews no team gets an empty list, and a team the caller
may not review is a 404, never confirmed to exist."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from dealcoach.api.base import ErrorSerializer
from dealcoach.rates.selectors import rate_table_on

from .queue import QueueRow, queue_rows_for
from .ranking import review_ranking
from .selectors import review_scope_for
from .totals import Totals, team_totals

MAX_LIMIT = 500


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    weight = serializers.IntegerField(help_text="What it adds to the risk (0: context, e.g. a due date).")


class AttentionRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 = needs the manager most (over every open deal reviewed).")
    opportunity = serializers.IntegerField()
    name = serializers.CharField()
    owner = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    amount_converted = serializers.FloatField(allow_null=True, help_text="In `currency` of the response; null without a rate.")
    score = serializers.FloatField()
    risk = serializers.IntegerField()
    value = serializers.FloatField()
    pressure = serializers.FloatField()
    business_days_left = serializers.IntegerField(allow_null=True)
    exception = serializers.BooleanField()
    reasons = ReasonSerializer(many=True)
    question = serializers.CharField()
    question_dimension = serializers.CharField(allow_blank=True)


class MoneySerializer(serializers.Serializer):
    currency = serializers.CharField()
    deals = serializers.IntegerField()
    amount = serializers.FloatField()
    weighted = serializers.FloatField()
    decay_adjusted = serializers.FloatField()


class AttentionResponseSerializer(serializers.Serializer):
    team = serializers.DictField(allow_null=True)
    as_of = serializers.DateField()
    currency = serializers.CharField(allow_null=True,
                                     help_text="The team's reporting currency: every converted figure is in it.")
    rates_used = serializers.ListField(child=serializers.CharField())
    missing_rates = serializers.ListField(child=serializers.CharField(), help_text="Currencies left unconverted.")
    totals = serializers.DictField(allow_null=True, help_text="open and closed_this_quarter (converted, with their currency), "
                                             "unconverted (per currency with no rate), open_deals, exceptions.")
    count = serializers.IntegerField()
    results = AttentionRowSerializer(many=True)


def _int(params, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ValidationError({name: [f"A whole number from {low} to {high}."]})
    return value


def _money(currency: str, money) -> dict:
    return {"currency": currency, "deals": money.deals, "amount": round(money.amount, 2),
            "weighted": round(money.weighted, 2), "decay_adjusted": round(money.decayed, 2)}


def _totals(totals: Totals) -> dict:
    return {
        "currency": totals.main_currency,
        "open": _money(totals.main_currency, totals.main.open_total),
        "closed_this_quarter": _money(totals.main_currency, totals.main.by_category["closed"]),
        "unconverted": [_money(t.currency, t.open_total) for t in totals.unconverted],
        "open_deals": totals.open_deals,
        "exceptions": totals.exceptions,
    }

CENTS = Decimal("0.01")


def _row(row: QueueRow) -> dict:
    ranked, attention, deal = row.ranked, row.attention, row.opportunity
    return {
        "rank": ranked.rank, "opportunity": deal.pk, "name": deal.name, "owner": deal.owner.username,
        # A decimal string, as the schema says (AttentionRow.amount), whatever number type ranking carries.
        "amount": str(Decimal(str(ranked.amount)).quantize(CENTS)), "currency": ranked.currency,
        "amount_converted": None if ranked.converted is None else round(ranked.converted, 2),
        "score": round(attention.score, 1), "risk": attention.risk, "value": round(attention.value, 3),
        "pressure": round(attention.pressure, 3),
        "business_days_left": attention.business_days_left, "exception": attention.is_exception,
        "reasons": [{"code": r.code, "label": r.label, "weight": r.weight} for r in attention.reasons],
        "question": row.question.text, "question_dimension": row.question.dimension,
    }


class AttentionAPI(APIView):
    @extend_schema(
        summary="The review's attention ranking of a team's open deals",
        description=(
            "The ranking of the weekly review page, its CSV export and the digest: a team's open deals, the one "
            "that needs the manager most first, each with its risk, value and time pressure, the reasons behind "
            "them and the coaching question to ask; and the team's totals in its reporting currency. `team` "
            "defaults to the first team you review; a team you may not review answers 404, and someone who "
            "reviews no team gets an empty list. Page with `limit` and `offset` (`count` is the total); narrow "
            "with `rep`, `stage`, `category`, `flag` and `exceptions_only`."
        ),
        parameters=[
            OpenApiParameter("team", OpenApiTypes.INT, description="Default: the first team you review."),
            OpenApiParameter("exceptions_only", OpenApiTypes.BOOL, description="Only deals with a real reason to act."),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"1-{MAX_LIMIT}, default 50."),
            OpenApiParameter("offset", OpenApiTypes.INT),
            OpenApiParameter("rep", OpenApiTypes.INT), OpenApiParameter("stage", OpenApiTypes.STR),
            OpenApiParameter("category", OpenApiTypes.STR), OpenApiParameter("flag", OpenApiTypes.STR),
        ],
        responses={200: AttentionResponseSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request):
        params = request.query_params
        limit = _int(params, "limit", 50, 1, MAX_LIMIT)
        offset = _int(params, "offset", 0, 0, 10**9)
        exceptions_only = params.get("exceptions_only", "").lower()
        if exceptions_only not in ("", "0", "1", "true", "false"):
            raise ValidationError({"exceptions_only": ["true or false."]})
        team = params.get("team")
        if team not in (None, "") and not str(team).isdigit():
            raise ValidationError({"team": ["A team id (whole number)."]})
        try:
            scope = review_scope_for(user=request.user, params=params, as_of=timezone.localdate())
        except Http404:
            if team not in (None, ""):
                raise  # a team the caller may not review: never confirmed to exist
            scope = None
        if scope is not None and scope.form.errors:
            raise ValidationError({name: list(errors) for name, errors in scope.form.errors.items()})
        if scope is None or scope.team is None:
            # Like every collection: someone who reviews no team (a rep) gets an empty list.
            return Response({"team": None, "as_of": timezone.localdate(), "currency": None, "rates_used": [],
                             "missing_rates": [], "totals": None, "count": 0, "results": []})
        rates = rate_table_on(scope.as_of)
        ranking = review_ranking(scope, rates=rates)
        totals = team_totals(scope, ranking=ranking, rates=rates)
        deals = ranking.exceptions if exceptions_only in ("1", "true") else ranking.deals
        page = queue_rows_for(deals[offset:offset + limit], scope.as_of)
        return Response({
            "team": {"id": scope.team.pk, "name": scope.team.name},
            "as_of": scope.as_of,
            "currency": ranking.currency,
            "rates_used": [c.describe() for c in totals.conversions],
            "missing_rates": sorted(set(totals.missing_rates) | set(ranking.missing_rates)),
            "totals": _totals(totals),
            "count": len(deals),
            "results": [_row(row) for row in page],
        })


