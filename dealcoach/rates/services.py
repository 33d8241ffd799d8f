"""Writes of exchange rates: one rate (admin site, API) or a CSV file of them.
A rate is keyed by (base, quote, valid_from): saving the same key again
replaces its figure, so importing the same file twice changes nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from dealcoach.currencies import CURRENCY_CODES
from dealcoach.models import ExchangeRate
from dealcoach.spreadsheet import CsvFileError, csv_upload_text

CSV_COLUMNS = ("base_currency", "quote_currency", "rate", "valid_from")
CSV_OPTIONAL = ("source",)
MAX_CSV_ROWS = 10000
MAX_CSV_BYTES = 2 * 1024 * 1024


class ExchangeRateForm(forms.Form):
    """Validation shared by the API and the CSV import (the admin validates the model)."""

    base_currency = forms.ChoiceField(choices=[(c, c) for c in CURRENCY_CODES])
    quote_currency = forms.ChoiceField(choices=[(c, c) for c in CURRENCY_CODES])
    rate = forms.DecimalField(max_digits=18, decimal_places=8, min_value=0)
    valid_from = forms.DateField(input_formats=["%Y-%m-%d"])
    source = forms.CharField(max_length=200, required=False)

    def clean_rate(self):
        rate = self.cleaned_data["rate"]
        if rate <= 0:
            raise ValidationError("Must be greater than 0.", code="not_positive")
        return rate

    def clean(self):
        data = super().clean()
        if data.get("base_currency") and data.get("base_currency") == data.get("quote_currency"):
            self.add_error("quote_currency", ValidationError("Must differ from base_currency.", code="same_currency"))
        return data


def _clean(data: dict) -> dict:
    form = ExchangeRateForm({key: ("" if value is None else str(value)) for key, value in data.items()})
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.as_data().items()})
    return form.cleaned_data


def exchange_rate_save(*, data: dict) -> tuple[ExchangeRate, bool]:
    """Create or replace the rate of (base, quote, valid_from). Raises
    ValidationError naming the field. Returns (rate, created)."""
    clean = _clean(data)
    return ExchangeRate.objects.update_or_create(
        base_currency=clean["base_currency"], quote_currency=clean["quote_currency"],
        valid_from=clean["valid_from"], defaults={"rate": clean["rate"], "source": clean.get("source") or ""},
    )


@dataclass
class RatesImportReport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    problems: list[dict] = field(default_factory=list)  # {"line": n, "errors": {field: [reason]}}

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(content: bytes | str) -> csv.DictReader:
    content = csv_upload_text(content, max_bytes=MAX_CSV_BYTES)
    reader = csv.DictReader(io.StringIO(content))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in CSV_COLUMNS if name not in header]
    if missing:
        raise CsvFileError(f"Missing column(s): {', '.join(missing)}. Expected: {', '.join(CSV_COLUMNS)}"
                           f" (and optionally {', '.join(CSV_OPTIONAL)}).")
    reader.fieldnames = header
    return reader


def exchange_rates_import_csv(*, content: bytes | str, dry_run: bool = False) -> RatesImportReport:
    """Import a CSV of rates (columns `CSV_COLUMNS`, optional `source`). All or
    nothing: with any bad row nothing is written and the report names every
    bad row's line and fields; a dry run reports the same and writes nothing."""
    report = RatesImportReport(dry_run=dry_run)
    cleaned: list[tuple[int, dict]] = []
    for index, row in enumerate(_rows(content)):
        line = index + 2  # as a spreadsheet numbers it: the header is line 1
        if index >= MAX_CSV_ROWS:
            raise CsvFileError(f"More than {MAX_CSV_ROWS} rows; split the file.")
        report.rows += 1
        values = {key: (row.get(key) or "").strip() for key in (*CSV_COLUMNS, *CSV_OPTIONAL)}
        try:
            cleaned.append((line, _clean(values)))
        except ValidationError as error:
            report.problems.append({"line": line, "errors": error.message_dict})
    if report.problems or dry_run:
        return report
    with transaction.atomic():
        for _, clean in cleaned:
            _, created = ExchangeRate.objects.update_or_create(
                base_currency=clean["base_currency"], quote_currency=clean["quote_currency"],
                valid_from=clean["valid_from"], defaults={"rate": clean["rate"], "source": clean.get("source") or ""},
            )
            report.created += created
            report.updated += not created
    return report
