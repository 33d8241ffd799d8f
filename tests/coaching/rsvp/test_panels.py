"""RSVP on the deal pages: the scorecard panel, and chips, sorting and filtering on My deals."""

import pytest

from coaching.rsvp.services import deal_scores_recompute
from tests.coaching.rsvp.conftest import empty_deal, well_covered_deal
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(frozen_today, alice):
    good = well_covered_deal(account=AccountFactory(owner=alice), name="Aardvark rollout", stage_slug="discover")
    bad = empty_deal(account=AccountFactory(owner=alice), name="Bison pilot")
    unscored = empty_deal(account=AccountFactory(owner=alice), name="Coyote renewal")
    deal_scores_recompute(opportunity_ids=[good.pk, bad.pk])
    return good, bad, unscored


def test_the_deal_page_shows_the_scorecard_and_the_questions(client, alice, deals):
    good, _, _ = deals
    client.force_login(alice)

    html = client.get(f"/deals/{good.pk}/").content.decode()

    assert 'id="panel-rsvp"' in html and 'id="rsvp-scorecard"' in html and 'id="rsvp-answers"' in html
    assert 'data-testid="panel-rsvp-placeholder"' not in html
    assert "(0 of " in html  # nothing answered yet


def test_the_panel_refreshes_on_its_own(client, alice, deals):
    good, _, _ = deals
    client.force_login(alice)

    response = client.get(f"/deals/{good.pk}/sections/panel-rsvp/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert 'id="rsvp-scorecard"' in response.content.decode()


def test_saving_answers_tells_the_page_the_deal_changed(client, alice, deals):
    good, _, _ = deals
    client.force_login(alice)

    response = client.post(f"/deals/{good.pk}/coaching/answers/", {"proc_budget-answer": "yes"},
                           HTTP_HX_REQUEST="true")

    assert response["HX-Trigger-After-Swap"] == "dealChanged"


def test_my_deals_shows_chips_and_sorts_and_filters_by_rsvp(client, alice, deals):
    good, bad, unscored = deals
    client.force_login(alice)

    page = client.get("/deals/").content.decode()
    assert page.count('class="chip red"') >= 4  # the empty deal
    assert page.count('class="chip green"') >= 1
    assert page.count('class="chip none"') == 4  # the deal not scored yet

    worst_first = client.get("/deals/", {"sort": "rsvp"}).content.decode()
    assert worst_first.index("Bison pilot") < worst_first.index("Aardvark rollout")
    reds = client.get("/deals/", {"rsvp": "red_value"}).content.decode()
    assert "Bison pilot" in reds and "Aardvark rollout" not in reds and "Coyote renewal" not in reds
    assert "Coyote renewal" in client.get("/deals/", {"rsvp": "unscored"}).content.decode()


def test_the_chips_column_costs_one_query(frozen_today, alice, deals, django_assert_num_queries):
    from coaching.rsvp.panels import deal_list_cells

    with django_assert_num_queries(1):
        cells = deal_list_cells(user=alice, opportunities=list(deals), as_of=frozen_today)

    assert set(cells) == {d.pk for d in deals}
    assert cells[deals[2].pk] == {"score": None}
