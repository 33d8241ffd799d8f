"""The htmx snooze form and the flags partial."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from coaching.stale.models import Flag
from coaching.stale.selectors import open_flags_for
from coaching.stale.services import flags_sweep
from tests.coaching.stale.helpers import make_deal

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 2)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def flag(clock, alice):
    clock(TODAY)
    deal = make_deal(alice, created=dt.date(2025, 1, 1), last_activity=dt.date(2025, 5, 1),
                     last_senior=dt.date(2025, 5, 1), name="Northwind rollout")
    flags_sweep(as_of=TODAY)
    return deal.flags.get(kind="no_activity")


def test_it_snoozes_with_htmx_and_returns_the_refreshed_partial(client, alice, flag):
    client.force_login(alice)
    response = client.post(f"/flags/{flag.id}/snooze/", {"until": "2025-06-14", "reason": "Board meets on the 14th"},
                           **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<section class="flag-list"' in html and "<html" not in html
    assert "Snoozed until 14 Jun 2025" in html and "Board meets on the 14th" in html
    flag.refresh_from_db()
    assert flag.snoozed_until == dt.date(2025, 6, 14) and flag.snoozed_by == alice


def test_it_shows_the_field_and_reason_when_a_snooze_is_refused(client, alice, flag):
    client.force_login(alice)
    response = client.post(f"/flags/{flag.id}/snooze/", {"until": "2025-06-01", "reason": ""}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html  # the reason
    flag.refresh_from_db()
    assert flag.snoozed_until is None

    response = client.post(f"/flags/{flag.id}/snooze/", {"until": "2025-06-01", "reason": "board"}, **HTMX)
    assert "Snooze until a date after today (2025-06-02)." in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_it_redirects_back_without_htmx(client, alice, flag):
    client.force_login(alice)
    response = client.post(f"/flags/{flag.id}/snooze/", {"until": "2025-06-14", "reason": "board"},
                           HTTP_REFERER="http://testserver/deals/1/")
    assert response.status_code == 302 and response["Location"] == "http://testserver/deals/1/"

    refused = client.post(f"/flags/{flag.id}/snooze/", {"until": "", "reason": "board"})
    assert refused.status_code == 400
    assert "Northwind rollout" in refused.content.decode()


def test_it_ends_a_snooze(client, bob, flag):
    Flag.objects.filter(pk=flag.pk).update(snoozed_until=dt.date(2025, 6, 14), snooze_reason="board")
    client.force_login(bob)
    response = client.post(f"/flags/{flag.id}/unsnooze/", **HTMX)
    assert response.status_code == 200 and "Snoozed until" not in response.content.decode()
    flag.refresh_from_db()
    assert flag.snoozed_until is None


def test_it_hides_flags_from_other_teams(client, charlie, flag):
    client.force_login(charlie)
    assert client.post(f"/flags/{flag.id}/snooze/", {"until": "2025-06-14", "reason": "x"}, **HTMX).status_code == 404
    assert client.post(f"/flags/{flag.id}/unsnooze/", **HTMX).status_code == 404


def test_it_only_accepts_posts(client, alice, flag):
    client.force_login(alice)
    assert client.get(f"/flags/{flag.id}/snooze/").status_code == 405


def test_the_partial_shows_kind_reason_raised_date_and_snooze_to_the_manager(bob, alice, flag):
    Flag.objects.filter(pk=flag.pk).update(
        snoozed_until=dt.date(2025, 6, 14), snooze_reason="Waiting for the board on the 14th", snoozed_by=alice
    )
    request = RequestFactory().get("/")
    request.user = bob
    flags = open_flags_for([flag.opportunity_id])[flag.opportunity_id]
    html = render_to_string("stale/_partials/flags.html", {"flags": flags}, request=request)
    assert "No activity" in html and "no activity for 32 days; Evaluate allows 21" in html
    assert "raised 2 Jun 2025" in html
    assert "Snoozed until 14 Jun 2025 by Alice" in html and "Waiting for the board on the 14th" in html
    assert "Decaying" not in html  # not raised: senior engagement 32 days ago < 45


def test_open_flags_for_reads_many_deals_in_one_query(django_assert_num_queries, alice, flag):
    other = make_deal(alice, created=dt.date(2025, 1, 1))
    flags_sweep(as_of=TODAY)
    with django_assert_num_queries(1):
        result = open_flags_for([flag.opportunity_id, other.id, 999999])
    assert set(result) == {flag.opportunity_id, other.id}
