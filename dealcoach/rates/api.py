"""REST API for exchange rates: /api/v1/exchange-rates/ (list, and create or
replace one rate) and /api/v1/exchange-rates/import/ (a CSV file of rates).
Anyone signed in may read them; only admins write them. Thin: parse, call
one service, render."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FileUploadParser, FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dealcoach.api.base import ErrorSerializer
from dealcoach.api.errors import error_response
from dealcoach.api.pagination import FieldErrorCursorPagination
from dealcoach.models import ExchangeRate

from .selectors import exchange_rates_list
from .services import CSV_COLUMNS, CsvFileError, exchange_rate_save, exchange_rates_import_csv


class ExchangeRateSerializer(serializers.ModelSerializer):
    rate = serializers.DecimalField(max_digits=18, decimal_places=8, coerce_to_string=True,
                                    help_text="1 base_currency = rate quote_currency.")

    class Meta:
        model = ExchangeRate
        fields = ("id", "base_currency", "quote_currency", "rate", "valid_from", "source")
        read_only_fields = fields


class ExchangeRateInputSerializer(serializers.Serializer):
    """Documentation of the body; validation is the service's (one rule for API and CSV)."""

    base_currency = serializers.CharField(help_text="ISO 4217 code, e.g. EUR.")
    quote_currency = serializers.CharField(help_text="ISO 4217 code, e.g. USD.")
    rate = serializers.CharField(help_text="1 base_currency = rate quote_currency, > 0.")
    valid_from = serializers.DateField(help_text="First day the rate is used (YYYY-MM-DD).")
    source = serializers.CharField(required=False, allow_blank=True)


class ImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.DictField(), help_text="[{line, errors: {field: [reason]}}]")


class ImportErrorSerializer(ErrorSerializer):
    problems = serializers.ListField(child=serializers.DictField(), required=False,
                                     help_text="[{line, errors: {field: [reason]}}]: every bad row.")


class RateCursorPagination(FieldErrorCursorPagination):
    ordering = ("base_currency", "quote_currency", "-valid_from", "id")
    page_size = 100


def _require_admin(user) -> None:
    if not (user.is_superuser or getattr(user, "is_admin_role", False)):
        raise PermissionDenied("Only an admin may change exchange rates.")


def _currency_param(request, name: str) -> str | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if len(value) != 3 or not value.isalpha():
        raise ValidationError({name: ["A three-letter ISO 4217 code, e.g. EUR."]})
    return value.upper()


class ExchangeRateListAPI(generics.GenericAPIView):
    pagination_class = RateCursorPagination
    serializer_class = ExchangeRateSerializer
    parser_classes = [JSONParser]

    def get_queryset(self):
        return exchange_rates_list(
            base=_currency_param(self.request, "base_currency"), quote=_currency_param(self.request, "quote_currency")
        )

    @extend_schema(
        summary="List exchange rates",
        description=(
            "The stored rates, by currency pair and newest `valid_from` first, cursor-paginated: follow `next` "
            "until it is null. A conversion on a date uses the pair's latest rate from that day or before. "
            "Narrow with `base_currency` and `quote_currency` (three-letter ISO 4217 codes; anything else "
            "answers 400). Every signed-in user may read them."
        ),
        parameters=[OpenApiParameter("base_currency", OpenApiTypes.STR), OpenApiParameter("quote_currency", OpenApiTypes.STR)],
        responses={200: ExchangeRateSerializer(many=True), 400: ErrorSerializer},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ExchangeRateSerializer(page, many=True).data)

    @extend_schema(
        summary="Create or replace the rate of a currency pair for a day (admins)",
        description=(
            "Admins only (403 for anyone else). Sets how many `quote_currency` one `base_currency` buys from "
            "`valid_from` on: 201 when the pair had no rate for that day, 200 when this replaced it. `rate` is "
            "a decimal string above 0. Safe to retry with an Idempotency-Key."
        ),
        request=ExchangeRateInputSerializer,
        responses={201: ExchangeRateSerializer, 200: ExchangeRateSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    def post(self, request):
        _require_admin(request.user)
        if not isinstance(request.data, dict):
            return error_response(400, "Invalid input.", {"non_field_errors": ["Send one JSON object."]})
        rate, created = exchange_rate_save(data=dict(request.data))
        return Response(ExchangeRateSerializer(rate).data, status=status.HTTP_201_CREATED if created else 200)


class ExchangeRateImportAPI(APIView):
    parser_classes = [MultiPartParser, FormParser, FileUploadParser]

    @extend_schema(
        operation_id="exchange_rates_import",
        summary="Import exchange rates from CSV (admins)",
        description="Admins only (403 for anyone else). "
                    f"Columns: {', '.join(CSV_COLUMNS)}, optionally source. Upload as multipart field `file`. "
                    "All or nothing: any bad row and nothing is written; `problems` names line and field. "
                    "`?dry_run=1` checks without writing.",
        parameters=[OpenApiParameter("dry_run", OpenApiTypes.BOOL)],
        request={"multipart/form-data": {"type": "object", "x-component-name": "ExchangeRatesImportRequest",
                                         "properties": {"file": {"type": "string", "format": "binary"}}}},
        responses={200: ImportReportSerializer, 400: ImportErrorSerializer, 403: ErrorSerializer},
    )
    def post(self, request):
        _require_admin(request.user)
        upload = request.data.get("file")
        if upload is None:
            return error_response(400, "Invalid input.", {"file": ["Upload the CSV as the multipart field `file`."]})
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
        try:
            report = exchange_rates_import_csv(content=upload.read(), dry_run=dry_run)
        except CsvFileError as error:
            return error_response(400, "Invalid input.", {"file": [str(error)]})
        if not report.ok:
            reasons = [f"line {p['line']}: {name}: {' '.join(msgs)}" for p in report.problems
                       for name, msgs in p["errors"].items()]
            return Response({"detail": f"{len(report.problems)} bad row(s) of {report.rows}; nothing imported.",
                             "code": "invalid", "errors": {"file": reasons}, "problems": report.problems}, status=400)
        return Response(ImportReportSerializer(report).data)



