"""The Insights page, its CSV and its API: who sees which figures, the same
numbers everywhere, errors that name the field, and a query count that does
not grow with the history."""

import csv
import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coaching.review.selectors import STAGES_CACHE_KEY
from tests.coaching.insights.helpers import closed_deal, pipeline_row
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = dt.date
PAGE, CSV = "/insights/", "/insights/export.csv"
SECTIONS = ("rsvp-win-rates", "forecast-accuracy", "slips", "losses")


def api(section: str) -> str:
    return f"/api/v1/insights/{section}/"


@pytest.fixture
def history(alice, bob, charlie, north):
    """One slipped, lost deal per rep: alice and ana on bob's team, charlie on dave's."""
    ana = UserFactory(username="ana", role="rep", team=north)
    for owner in (alice, ana, charlie):
        closed_deal(owner, won=False, close=D(2025, 3, 14), name=f"{owner.username}'s deal", reason="Price",
                    moves=[(D(2025, 2, 14), D(2025, 3, 14))])
    return ana


@pytest.mark.parametrize(("username", "deals"), [("alice", 1), ("bob", 2), ("charlie", 1), ("dave", 1),
                                                  ("admin", 3)])
def test_it_shows_each_viewer_the_figures_they_may_see(client, history, dave, admin_user, frozen_today,
                                                       username, deals):
    from dealcoach.models import User

    client.force_login(User.objects.get(username=username))
    for section in SECTIONS:
        assert client.get(api(section)).status_code == 200
    assert client.get(api("rsvp-win-rates")).json()["deals"] == deals
    names = [row["name"] for row in client.get(api("slips")).json()["most_slipped"]]
    page = client.get(PAGE).content.decode()
    for owner in ("alice", "ana", "charlie"):
        assert (f"{owner}&#x27;s deal" in page) == (f"{owner}'s deal" in names)
    assert len(names) == deals


def test_it_refuses_another_teams_figures_naming_the_field(client, history, bob, alice, charlie, south,
                                                           frozen_today):
    client.force_login(bob)
    response = client.get(api("slips"), {"rep": charlie.pk})
    assert response.status_code == 400
    assert "rep" in response.json()["errors"]
    page = client.get(PAGE, {"rep": charlie.pk})
    assert page.status_code == 400
    assert b'aria-invalid="true"' in page.content and b"charlie&#x27;s deal" not in page.content
    client.force_login(alice)
    assert "team" in client.get(api("losses"), {"team": south.pk}).json()["errors"]
    assert client.get(CSV, {"team": south.pk}).status_code == 400


def test_it_refuses_a_bad_period(client, bob, frozen_today):
    client.force_login(bob)
    response = client.get(api("losses"), {"from": "2025-13-01"})
    assert response.status_code == 400 and "from" in response.json()["errors"]
    response = client.get(api("losses"), {"from": "2025-06-01", "to": "2025-01-01"})
    assert response.status_code == 400 and "to" in response.json()["errors"]


def test_it_asks_anonymous_callers_to_log_in(client):
    assert client.get(PAGE).status_code == 302
    assert client.get(api("slips")).status_code in (401, 403)


def test_it_shows_the_same_sentences_as_the_api(client, history, bob, frozen_today):
    client.force_login(bob)
    page = client.get(PAGE).content.decode()
    for section in SECTIONS:
        body = client.get(api(section)).json()
        if "sentence" in body:
            assert body["sentence"].replace("\u201c", "").replace("\u201d", "") in page.replace("\u201c", "").replace(
                "\u201d", "")
    assert "Insights" in page and 'href="/insights/"' in page


def test_it_exports_every_figure_as_csv(client, history, bob, frozen_today):
    client.force_login(bob)
    response = client.get(CSV)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["section", "subject", "breakdown", "measure"]
    slipped = next(r for r in rows if r[0] == "slips" and r[1] == "team" and r[3] == "share slipped")
    assert (slipped[5], slipped[6]) == ("2", "2")
    assert any(r[0] == "losses" and r[1] == "Price" and r[4] == "2" for r in rows)


def test_it_builds_the_page_in_a_constant_number_of_queries(client, alice, bob, frozen_today):
    def count() -> int:
        cache.delete(STAGES_CACHE_KEY)  # cold: nothing cached, as the bench measures it
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured.captured_queries)

    client.force_login(bob)
    first = closed_deal(alice, won=True, close=D(2025, 2, 14), entered_propose=D(2025, 1, 8), propose={"r": 80})
    pipeline_row(first, D(2025, 1, 6), category="commit", close=D(2025, 2, 14))
    assert count() <= 12  # the very first view also stores the past weeks' forecasts
    few = count()
    for n in range(5):
        deal = closed_deal(alice, won=n % 2 == 0, close=D(2025, 6, 1 + n), entered_propose=D(2025, 5, 8),
                           propose={"r": 20}, at_close={"p": 20}, moves=[(D(2025, 5, 1), D(2025, 6, 1 + n))])
        pipeline_row(deal, D(2025, 6, 9), category="commit", close=D(2025, 6, 20))
    assert count() == few <= 12


def test_it_refuses_a_blank_filter_in_the_api_but_not_on_the_page(client, bob, frozen_today):
    client.force_login(bob)
    response = client.get(api("slips"), {"from": ""})
    assert response.status_code == 400 and "from" in response.json()["errors"]
    assert client.get(PAGE, {"team": "", "rep": "", "from": "", "to": ""}).status_code == 200
