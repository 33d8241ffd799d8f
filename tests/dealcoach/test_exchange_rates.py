"""Exchange rates as data: conversion (plain Python), the API and the CSV import."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from dealcoach.currencies import Rate, RateTable
from dealcoach.models import ExchangeRate
from dealcoach.rates.selectors import rate_table_on

D = dt.date


def test_it_uses_the_latest_rate_in_force_its_inverse_or_a_common_currency():
    table = RateTable([
        Rate("EUR", "USD", Decimal("1.05"), D(2025, 1, 1)), Rate("EUR", "USD", Decimal("1.10"), D(2025, 6, 1)),
        Rate("EUR", "USD", Decimal("9"), D(2025, 7, 1)), Rate("GBP", "USD", Decimal("1.25"), D(2025, 1, 1)),
    ], as_of=D(2025, 6, 11))

    assert table.convert(100, "EUR", "USD") == pytest.approx(110)
    assert table.convert(110, "USD", "EUR") == pytest.approx(100)
    assert table.convert(125, "GBP", "EUR") == pytest.approx(125 * 1.25 / 1.10)
    assert table.convert(100, "USD", "USD") == 100
    assert table.convert(100, "CHF", "USD") is None
    assert table.conversion("EUR", "USD").describe() == "1 EUR = 1.1 USD (from 2025-06-01)"


@pytest.fixture
def admin_api(admin_user):
    api = APIClient()
    api.force_authenticate(admin_user)
    return api


@pytest.mark.django_db
def test_an_admin_creates_and_replaces_a_rate_through_the_api(admin_api, alice):
    body = {"base_currency": "EUR", "quote_currency": "USD", "rate": "1.1", "valid_from": "2025-06-01"}
    created = admin_api.post("/api/v1/exchange-rates/", body, format="json")
    replaced = admin_api.post("/api/v1/exchange-rates/", {**body, "rate": "1.2"}, format="json")
    reader = APIClient()
    reader.force_authenticate(alice)

    assert (created.status_code, replaced.status_code) == (201, 200)
    assert ExchangeRate.objects.get().rate == Decimal("1.2")
    listed = reader.get("/api/v1/exchange-rates/", {"base_currency": "EUR"}).json()["results"]
    assert [(r["base_currency"], r["quote_currency"], r["rate"]) for r in listed] == [("EUR", "USD", "1.20000000")]
    assert rate_table_on(D(2025, 6, 2)).convert(10, "EUR", "USD") == pytest.approx(12)


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), [
    ({"rate": "0"}, "rate"), ({"rate": "lots"}, "rate"), ({"quote_currency": "EUR"}, "quote_currency"),
    ({"base_currency": "XXX"}, "base_currency"), ({"valid_from": "1 June"}, "valid_from"),
])
def test_the_api_names_the_bad_field(admin_api, change, field):
    body = {"base_currency": "EUR", "quote_currency": "USD", "rate": "1.1", "valid_from": "2025-06-01", **change}
    response = admin_api.post("/api/v1/exchange-rates/", body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


@pytest.mark.django_db
def test_only_admins_write_rates(alice, bob):
    for user in (alice, bob):
        api = APIClient()
        api.force_authenticate(user)
        body = {"base_currency": "EUR", "quote_currency": "USD", "rate": "1.1", "valid_from": "2025-06-01"}
        assert api.post("/api/v1/exchange-rates/", body, format="json").status_code == 403
    assert not ExchangeRate.objects.exists()


def _upload(text: str) -> dict:
    return {"file": SimpleUploadedFile("rates.csv", text.encode(), content_type="text/csv")}


@pytest.mark.django_db
def test_the_csv_import_is_all_or_nothing_and_names_line_and_field(admin_api):
    good = "base_currency,quote_currency,rate,valid_from,source\nEUR,USD,1.08,2025-06-01,ECB\nGBP,USD,1.27,2025-06-01,\n"
    bad = "base_currency,quote_currency,rate,valid_from\nEUR,USD,1.08,2025-06-01\nGBP,GBP,-1,2025-06-01\n"

    dry = admin_api.post("/api/v1/exchange-rates/import/?dry_run=1", _upload(good), format="multipart")
    assert dry.status_code == 200 and dry.json()["rows"] == 2 and not ExchangeRate.objects.exists()
    refused = admin_api.post("/api/v1/exchange-rates/import/", _upload(bad), format="multipart")
    assert refused.status_code == 400 and not ExchangeRate.objects.exists()
    [problem] = refused.json()["problems"]
    assert problem["line"] == 3 and set(problem["errors"]) == {"rate", "quote_currency"}
    done = admin_api.post("/api/v1/exchange-rates/import/", _upload(good), format="multipart").json()
    again = admin_api.post("/api/v1/exchange-rates/import/", _upload(good), format="multipart").json()
    assert (done["created"], again["created"], again["updated"]) == (2, 0, 2)
    assert ExchangeRate.objects.count() == 2
    headerless = admin_api.post("/api/v1/exchange-rates/import/", _upload("a,b\n1,2\n"), format="multipart")
    assert headerless.status_code == 400 and "file" in headerless.json()["errors"]
