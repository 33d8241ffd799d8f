"""Currencies in the review: amounts convert into the team's reporting currency
with the rate in force on the review's date, the page says which rate; an amount
with no rate is shown unconverted with a warning and left out of converted
totals; a rate change re-ranks. And the same ranking through the API and the CSV."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from dealcoach.models import ExchangeRate
from tests.coaching.review.conftest import ANCHORED, give_flag
from tests.coaching.review.helpers import deal, review_for

pytestmark = pytest.mark.django_db


def rate(base, quote, value, valid_from):
    return ExchangeRate.objects.create(base_currency=base, quote_currency=quote, rate=Decimal(value),
                                       valid_from=valid_from)


@pytest.fixture
def two_currencies(alice):
    """A EUR deal and a USD deal with the same risk; EUR is larger only once converted."""
    eur = deal(alice, name="Berlin rollout", amount=100000, currency="EUR", **ANCHORED)
    usd = deal(alice, name="Boston rollout", amount=105000, currency="USD", **ANCHORED)
    for d in (eur, usd):
        give_flag(d, "close_date_passed")
    return eur, usd


def test_it_converts_with_the_rate_in_force_and_says_which(bob, alice, two_currencies, frozen_today):
    rate("EUR", "USD", "1.05", dt.date(2025, 1, 1))
    rate("EUR", "USD", "1.10", dt.date(2025, 6, 1))
    rate("EUR", "USD", "2.00", dt.date(2025, 7, 1))  # not in force yet

    review = review_for(bob, frozen_today)

    assert review.totals.main_currency == "USD"
    assert review.totals.main.by_category["pipeline"].amount == pytest.approx(110000 + 105000)
    assert [c.describe() for c in review.totals.conversions] == ["1 EUR = 1.1 USD (from 2025-06-01)"]
    assert [row.opportunity.name for row in review.needs_you] == ["Berlin rollout", "Boston rollout"]
    assert review.missing_rates == []


def test_a_missing_rate_is_warned_about_and_left_out_of_converted_totals(client, bob, alice, two_currencies,
                                                                       frozen_today):
    client.force_login(bob)
    response = client.get("/review/")
    review = response.context["review"]
    body = response.content.decode()

    assert review.missing_rates == ["EUR"]
    assert review.totals.main.by_category["pipeline"].amount == 105000  # USD only: EUR is never mixed in
    assert [t.currency for t in review.totals.other_currencies] == ["EUR"]
    assert review.totals.other_currencies[0].by_category["pipeline"].amount == 100000
    assert 'data-testid="missing-rates"' in body and "No exchange rate</strong> for EUR" in body
    eur_row = next(row for row in review.needs_you if row.ranked.currency == "EUR")
    assert eur_row.ranked.converted is None and "not converted" in body
    assert "No EUR rate: amount not converted" in [r.label for r in eur_row.attention.reasons]


def test_a_rate_change_reranks_the_review(bob, alice, two_currencies, frozen_today):
    eur_usd = rate("EUR", "USD", "1.10", dt.date(2025, 6, 1))
    assert [row.opportunity.name for row in review_for(bob, frozen_today).needs_you][0] == "Berlin rollout"

    eur_usd.rate = Decimal("1.00")
    eur_usd.save()  # the cached rates are forgotten on save

    assert [row.opportunity.name for row in review_for(bob, frozen_today).needs_you][0] == "Boston rollout"


def test_a_team_reports_in_its_own_currency(bob, alice, north, two_currencies, frozen_today):
    north.reporting_currency = "EUR"
    north.save()
    rate("EUR", "USD", "1.25", dt.date(2025, 1, 1))  # used inverted: 1 USD = 0.8 EUR

    review = review_for(bob, frozen_today)

    assert review.totals.main_currency == "EUR"
    assert review.totals.main.by_category["pipeline"].amount == pytest.approx(100000 + 84000)


def test_the_api_ranks_the_same_way_and_says_its_currency(client, bob, alice, charlie, two_currencies, frozen_today):
    rate("EUR", "USD", "1.10", dt.date(2025, 6, 1))
    deal(alice, name="Calm deal", amount=1_000_000, **ANCHORED)
    deal(charlie, name="Other team", amount=5)
    api = APIClient()
    api.force_authenticate(bob)

    body = api.get("/api/v1/review/attention/", {"team": alice.team_id}).json()
    exceptions = api.get("/api/v1/review/attention/", {"exceptions_only": "true"}).json()
    page_order = [row.opportunity.name for row in review_for(bob, frozen_today).needs_you]

    assert body["currency"] == "USD" and body["totals"]["currency"] == "USD"
    assert body["totals"]["open"]["amount"] == pytest.approx(1_000_000 + 110000 + 105000)
    assert body["rates_used"] == ["1 EUR = 1.1 USD (from 2025-06-01)"]
    assert [r["name"] for r in body["results"]] == ["Berlin rollout", "Boston rollout", "Calm deal"]
    assert [r["name"] for r in exceptions["results"]] == page_order == ["Berlin rollout", "Boston rollout"]
    first = body["results"][0]
    assert (first["rank"], first["currency"], first["amount_converted"], first["exception"]) == (1, "EUR", 110000.0, True)
    assert first["reasons"][0]["code"] == "close_date_passed" and first["question"]


def test_the_api_refuses_bad_input_and_reps(bob, alice, charlie, frozen_today):
    api = APIClient()
    api.force_authenticate(bob)
    bad = api.get("/api/v1/review/attention/", {"limit": "lots"})
    assert bad.status_code == 400 and "limit" in bad.json()["errors"]
    assert api.get("/api/v1/review/attention/", {"team": charlie.team_id}).status_code == 404
    api.force_authenticate(alice)  # a rep reviews no team: an empty list, as every collection
    assert api.get("/api/v1/review/attention/").json()["results"] == []
    assert api.get("/api/v1/review/attention/", {"team": alice.team_id}).status_code == 404


def test_the_csv_export_follows_the_ranking(client, bob, alice, two_currencies, frozen_today):
    rate("EUR", "USD", "1.10", dt.date(2025, 6, 1))
    deal(alice, name="Calm deal", amount=1_000_000, **ANCHORED)
    client.force_login(bob)

    response = client.get("/review/export.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert [(r["attention_rank"], r["deal"], r["exception"]) for r in rows] == [
        ("1", "Berlin rollout", "yes"), ("2", "Boston rollout", "yes"), ("3", "Calm deal", "no")]
    assert rows[0]["amount_converted"] == "110000.00" and rows[0]["reporting_currency"] == "USD"
    assert rows[0]["attention_reasons"].startswith("Close date passed")
