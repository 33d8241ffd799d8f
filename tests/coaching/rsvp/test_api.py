"""GET /api/v1/opportunities/{id}/coaching/ and .../coaching/answers/ (GET, PUT)."""

import pytest
from rest_framework.test import APIClient

from coaching.rsvp.models import CoachingAnswer, CoachingQuestion
from coaching.rsvp.selectors import coaching_result_for
from deals.models import Opportunity
from tests.coaching.rsvp.conftest import well_covered_deal
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

EVIDENCE = "Met Erin on 20 Feb; she owns the budget line."


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def coaching_url(deal):
    return f"/api/v1/opportunities/{deal.pk}/coaching/"


def answers_url(deal):
    return f"/api/v1/opportunities/{deal.pk}/coaching/answers/"


@pytest.fixture
def deal(frozen_today, alice):
    return well_covered_deal(account=AccountFactory(owner=alice, name="Northwind"))


def test_it_serves_the_coaching_result_in_the_documented_shape(deal, alice):
    response = api(alice).get(coaching_url(deal))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"overall", "dimensions", "anchors", "next"}
    assert 0 <= body["overall"] <= 100
    assert set(body["dimensions"]) == {"relationships", "strategy", "value", "process"}
    for dimension in body["dimensions"].values():
        assert set(dimension) == {"score", "status", "evidence", "gaps", "unanswered"}
        assert dimension["status"] in ("red", "amber", "green")
        for gap in dimension["gaps"]:
            assert set(gap) == {"reason", "question", "action", "question_key"}
    assert body["next"] is None or set(body["next"]) == {"dimension", "question", "text", "reason", "action"}
    assert body["anchors"] == {
        name: {"state": "present", "reason": body["anchors"][name]["reason"]}
        for name in ("budget", "timeline", "compelling_event", "success_criteria")
    }


def test_it_serves_what_the_browser_shows(deal, alice):
    assert api(alice).get(coaching_url(deal)).json() == coaching_result_for(deal).to_dict()


def test_managers_see_their_reps_coaching(deal, bob):
    assert api(bob).get(coaching_url(deal)).status_code == 200


@pytest.mark.parametrize("url", [coaching_url, answers_url])
def test_it_hides_other_teams_deals(deal, charlie, dave, url):
    assert api(charlie).get(url(deal)).status_code == 404
    assert api(dave).get(url(deal)).status_code == 404


def test_it_refuses_answers_to_other_teams_deals(deal, charlie):
    assert api(charlie).put(answers_url(deal), {"question": "rel_integrity", "answer": "yes"}).status_code == 404
    assert not CoachingAnswer.objects.exists()


def test_it_rejects_anonymous_callers(deal):
    assert APIClient().get(coaching_url(deal)).status_code in (401, 403)


def test_it_lists_every_active_question_with_the_answer(deal, alice):
    CoachingQuestion.objects.filter(key="value_unique").update(active=False)
    api(alice).put(answers_url(deal), {"question": "rel_economic_buyer", "answer": "yes", "evidence": EVIDENCE})

    answers = api(alice).get(answers_url(deal)).json()["answers"]

    keys = [a["question"] for a in answers]
    assert "value_unique" not in keys and len(keys) == CoachingQuestion.objects.filter(active=True).count()
    answered = next(a for a in answers if a["question"] == "rel_economic_buyer")
    assert answered["answer"] == "yes" and answered["evidence"] == EVIDENCE
    assert answered["answered_by"] == "alice" and answered["answered_at"]
    blank = next(a for a in answers if a["question"] == "rel_integrity")
    assert (blank["answer"], blank["evidence"], blank["answered_by"]) == (None, "", None)


def test_it_writes_several_answers_and_rescores(deal, alice, django_capture_on_commit_callbacks):
    before = api(alice).get(coaching_url(deal)).json()["dimensions"]["relationships"]["score"]

    with django_capture_on_commit_callbacks(execute=True):
        response = api(alice).put(answers_url(deal), {"answers": [
            {"question": "rel_integrity", "answer": "yes", "evidence": "Chad shared the draft budget with us."},
            {"question": "rel_competitor_map", "answer": "partly"},
        ]}, format="json")

    assert response.status_code == 200
    assert {a["question"]: a["answer"] for a in response.json()["answers"] if a["answer"]} == {
        "rel_integrity": "yes", "rel_competitor_map": "partly",
    }
    after = api(alice).get(coaching_url(deal)).json()["dimensions"]["relationships"]["score"]
    assert after > before
    assert deal.deal_score.relationships == after


def test_it_updates_an_answer_in_place(deal, alice):
    api(alice).put(answers_url(deal), {"question": "proc_evaluation", "answer": "dont_know"})
    api(alice).put(answers_url(deal), {"question": "proc_evaluation", "answer": "yes", "evidence": EVIDENCE})

    assert list(CoachingAnswer.objects.values_list("answer", "evidence")) == [("yes", EVIDENCE)]


@pytest.mark.parametrize(
    "body, field, reason",
    [
        ({"question": "rel_integrity", "answer": "maybe"}, "answer", "Answer with one of: yes, partly, no, dont_know."),
        ({"question": "nope", "answer": "yes"}, "question", "'nope' is not a coaching question."),
        ({"answer": "yes"}, "question", "Give the question's key, e.g. 'rel_economic_buyer'."),
        ({"question": "rel_integrity", "answer": "yes", "evidence": "x" * 2001}, "evidence",
         "Keep evidence under 2000 characters."),
        ({"answers": [{"question": "rel_integrity", "answer": "yes"}, {"question": "rel_champion", "answer": 3}]},
         "answers[1].answer", "Answer with one of: yes, partly, no, dont_know."),
        ({"answers": [{"question": "rel_integrity", "answer": "yes"}, {"question": "rel_integrity", "answer": "no"}]},
         "answers[1].question", "'rel_integrity' is answered twice in this request."),
        ({"answers": []}, "answers", "Send at least one answer."),
    ],
)
def test_it_rejects_bad_answers_naming_the_field(deal, alice, body, field, reason):
    response = api(alice).put(answers_url(deal), body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][field] == [reason]
    assert not CoachingAnswer.objects.exists()  # all or nothing


def test_it_refuses_answers_to_a_retired_question(deal, alice):
    CoachingQuestion.objects.filter(key="value_unique").update(active=False)

    response = api(alice).put(answers_url(deal), {"question": "value_unique", "answer": "yes"})

    assert response.status_code == 400
    assert response.json()["errors"]["question"] == ["'value_unique' is retired and takes no new answers."]


def test_it_reads_coaching_in_a_fixed_number_of_queries(deal, alice, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        assert api(alice).get(coaching_url(deal)).status_code == 200
    with django_assert_max_num_queries(6):
        assert api(alice).get(answers_url(deal)).status_code == 200


def test_the_schema_documents_the_coaching_endpoints(client):
    schema = client.get("/api/schema/").content.decode()

    assert "/api/v1/opportunities/{opportunity_id}/coaching/" in schema
    assert "/api/v1/opportunities/{opportunity_id}/coaching/answers/" in schema
    assert "compelling_event" in schema and "CoachingDimensions" in schema


def test_it_lets_the_api_fill_what_a_gap_asks_for(alice, frozen_today):
    """Every field a gap asks the rep to fill is writable through the API too: the strategy's notes,
    and a reference check as an activity kind (a synced subject that speaks of references counts too)."""
    deal = well_covered_deal(account=AccountFactory(owner=alice))
    Opportunity.objects.filter(pk=deal.pk).update(strategy_notes="")
    client = api(alice)

    def gap_keys():
        body = client.get(coaching_url(deal)).json()
        return {g["question_key"]: g["reason"] for d in body["dimensions"].values() for g in d["gaps"]}

    assert "strat_competitive" in gap_keys()
    response = client.patch(f"/api/v1/opportunities/{deal.pk}/",
                            {"strategy_notes": "Make forecast accuracy the criterion; Acme has no answer."},
                            format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["strategy_notes"].startswith("Make forecast accuracy")
    assert "strat_competitive" not in gap_keys()

    response = client.post("/api/v1/activities/", {
        "opportunity": deal.pk, "kind": "reference_check", "summary": "Customer spoke with Globex",
        "occurred_at": "2025-03-01T10:00:00Z",
    }, format="json")
    assert response.status_code == 201, response.json()
    assert "Customer spoke with Globex" in gap_keys()["proc_reference_timing"]
