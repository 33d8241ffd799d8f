import pytest
from django.core.management import call_command

from accounts.models import Account
from accounts.selectors import org_chart

pytestmark = pytest.mark.django_db


def test_it_builds_org_charts_from_reports_to():
    call_command("seed_demo")
    account = Account.objects.get(name="Northwind Logistics")
    chart = org_chart(account)
    assert chart[0][0].title == "Chief Executive Officer" and chart[0][1] == 0
    depths = {person.title: depth for person, depth in chart}
    assert depths["Systems Analyst"] == 3
