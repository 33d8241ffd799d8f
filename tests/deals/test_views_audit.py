import pytest

from deals.services import opportunity_update

pytestmark = pytest.mark.django_db


def test_the_deal_page_shows_the_audit_trail(client, alice, alice_deal):
    from dealcoach.audit.context import audit_context

    with audit_context(actor=alice, source="web"):
        opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Renamed rollout"})
    client.force_login(alice)
    page = client.get(f"/deals/{alice_deal.pk}/").content.decode()
    assert 'data-testid="audit-history"' in page
    assert "Renamed rollout" in page and "Northwind rollout" in page
