import csv
import io

import pytest
from django.urls import reverse

from coaching.rsvp.services import deal_scores_recompute
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_it_exports_the_review_as_csv_with_the_filters(client, bob, alice, charlie_deal):
    big = OpportunityFactory(account__owner=alice, name="Big one", amount=500_000)
    small = OpportunityFactory(account__owner=alice, name="Small one", amount=5_000,
                               stage=big.stage.__class__.objects.get(slug="qualify"))
    deal_scores_recompute(opportunity_ids=[big.pk, small.pk])
    client.force_login(bob)
    response = client.get(reverse("review:export_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = read_csv(response)
    assert [r["deal"] for r in rows] == ["Big one", "Small one"]  # largest first; another team's deal absent
    assert rows[0]["weighted_amount"] == "100000.00" and rows[0]["relationships_status"] in ("red", "amber", "green")
    assert rows[0]["question_to_ask"]
    filtered = read_csv(client.get(reverse("review:export_csv"), {"stage": "qualify"}))
    assert [r["deal"] for r in filtered] == ["Small one"]


def test_a_rep_cannot_export_the_review(client, alice, alice_deal):
    client.force_login(alice)
    assert client.get(reverse("review:export_csv")).status_code == 404


def test_the_coaching_sheet_is_printable_and_scoped(client, bob, dave, alice_deal):
    client.force_login(bob)
    page = client.get(reverse("review:coaching_sheet", args=[alice_deal.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="coaching-sheet"' in body and "Political map" in body and "Anchors" in body
    assert "onclick" not in body  # CSP: no inline handlers
    client.force_login(dave)
    assert client.get(reverse("review:coaching_sheet", args=[alice_deal.pk])).status_code == 404
