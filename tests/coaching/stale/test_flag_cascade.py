import pytest
from django.utils import timezone

from coaching.stale.models import Flag

pytestmark = pytest.mark.django_db


def test_deleting_a_deal_deletes_its_flags_without_a_database_foreign_key(alice_deal):
    Flag.objects.create(opportunity=alice_deal, kind="no_activity", reason="No activity for 30 days",
                        raised_at=timezone.now())
    alice_deal.delete()
    assert not Flag.objects.exists()
