"""The browser side: answers page and htmx form, scorecard and chips partials."""

import pytest
from django.template.loader import render_to_string

from coaching.rsvp.models import CoachingAnswer, DealScore
from coaching.rsvp.services import deal_scores_recompute
from tests.coaching.rsvp.conftest import empty_deal, well_covered_deal
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

EVIDENCE = "Chad shared the draft budget with us on 20 Feb."


def url(deal):
    return f"/deals/{deal.pk}/coaching/answers/"


@pytest.fixture
def deal(frozen_today, alice):
    return well_covered_deal(account=AccountFactory(owner=alice, name="Northwind"), stage_slug="discover")


def test_it_shows_the_scorecard_and_the_questions(client, alice, deal):
    client.force_login(alice)

    response = client.get(url(deal))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="rsvp-scorecard"' in html and 'id="rsvp-answers"' in html
    for dimension in ("relationships", "strategy", "value", "process"):
        assert f'data-dimension="{dimension}"' in html
    for anchor in ("budget", "timeline", "compelling_event", "success_criteria"):
        assert f'data-anchor="{anchor}"' in html
    assert 'name="rel_integrity-answer"' in html and 'name="rel_integrity-evidence"' in html


def test_it_hides_other_teams_deals(client, charlie, deal):
    client.force_login(charlie)

    assert client.get(url(deal)).status_code == 404
    assert client.post(url(deal), {"rel_integrity-answer": "yes"}).status_code == 404
    assert not CoachingAnswer.objects.exists()


def test_it_sends_anonymous_visitors_to_log_in(client, deal):
    assert client.get(url(deal)).status_code == 302


def test_it_saves_answers_and_returns_the_fresh_scorecard_to_htmx(client, alice, deal):
    client.force_login(alice)

    response = client.post(
        url(deal), {"rel_integrity-answer": "yes", "rel_integrity-evidence": EVIDENCE, "rel_champion-answer": ""},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<section id=\"rsvp-scorecard\"")
    assert 'hx-swap-oob="true"' in html
    assert EVIDENCE in html  # the answer shows up as evidence on the scorecard
    assert list(CoachingAnswer.objects.values_list("question__key", "answer", "answered_by__username")) == [
        ("rel_integrity", "yes", "alice")
    ]


def test_it_shows_field_errors_in_the_form_for_htmx(client, alice, deal):
    client.force_login(alice)

    response = client.post(
        url(deal), {"rel_integrity-answer": "", "rel_integrity-evidence": EVIDENCE, "proc_budget-answer": "yes"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#rsvp-answers"
    html = response.content.decode()
    assert html.lstrip().startswith("<form id=\"rsvp-answers\"")
    assert "Answer with one of: yes, partly, no, dont_know." in html
    assert EVIDENCE in html  # what the rep typed is kept
    assert not CoachingAnswer.objects.exists()


def test_it_redirects_after_a_plain_post_and_rerenders_with_400_on_errors(client, alice, deal):
    client.force_login(alice)

    ok = client.post(url(deal), {"proc_budget-answer": "partly"})
    bad = client.post(url(deal), {"proc_budget-answer": "maybe"})

    assert ok.status_code == 302 and ok["Location"] == url(deal)
    assert bad.status_code == 400
    assert "Answer with one of" in bad.content.decode()
    assert CoachingAnswer.objects.get().answer == "partly"


def test_it_leaves_unchanged_answers_alone(client, alice, bob, deal):
    client.force_login(alice)
    client.post(url(deal), {"proc_budget-answer": "partly"})
    client.force_login(bob)

    client.post(url(deal), {"proc_budget-answer": "partly", "proc_evaluation-answer": "no"})

    assert dict(CoachingAnswer.objects.values_list("question__key", "answered_by__username")) == {
        "proc_budget": "alice", "proc_evaluation": "bob",
    }


def test_the_chips_partial_colours_each_dimension(frozen_today, alice):
    good = well_covered_deal(account=AccountFactory(owner=alice))
    bad = empty_deal(account=AccountFactory(owner=alice))
    deal_scores_recompute(opportunity_ids=[good.pk, bad.pk])

    red = render_to_string("rsvp/_partials/chips.html", {"score": DealScore.objects.get(opportunity=bad)})
    unscored = render_to_string("rsvp/_partials/chips.html", {"score": None})

    assert red.count('class="chip red"') == 4
    assert 'data-dimension="relationships"' in red and "Relationships" in red
    assert unscored.count('class="chip none"') == 4
