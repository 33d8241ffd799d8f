"""RSVP scoring rules, table-driven, no database.

`full_deal()` is the deal every rule is happy with: an engaged economic buyer,
an engaged champion, three engaged stakeholders, an indirect strategy against
do nothing and a named rival, a quantified customer-defined business case, all
four anchors and a close plan that is feasible, keeps the customer's approval
steps and was validated by the economic buyer. Each case changes one thing and
checks that the rule under test notices (its finding folds into the gap about
its fact: `gap.rules` lists every rule behind a gap).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from coaching.closeplan.schedule import PlanSummary
from coaching.rsvp.rules import ANSWER, CAP, EARN, PENALTY, RULES
from coaching.rsvp.scoring import (
    AMBER_AT,
    GREEN_AT,
    ActivityFact,
    AnswerFact,
    DealFacts,
    QuestionText,
    RoleFact,
    score_deal,
    status_for,
)

AS_OF = dt.date(2025, 3, 3)
STAGES = ("qualify", "discover", "evaluate", "propose", "negotiate")
RULES_BY_ID = {rule.id: rule for rule in RULES}
EVIDENCE = "Confirmed in the 20 Feb steering meeting minutes."

ERIN = RoleFact(1, "Erin Ames", "economic_buyer", "advocate", "high", 4, False, "c_level", "CFO")
CHAD = RoleFact(2, "Chad Roe", "champion", "advocate", "high", 5, False, "director", "Head of Planning")
TESS = RoleFact(3, "Tess Lin", "technical_buyer", "supporter", "medium", 3, False, "manager", "IT Manager")
PAUL = RoleFact(4, "Paul Kim", "procurement", "neutral", "low", 2, False, "manager", "Buyer")
BORIS = RoleFact(5, "Boris Ulm", "blocker", "opponent", "high", 1, True, "vp", "VP Operations")
STAN = RoleFact(6, "Stan Oz", "user_buyer", "supporter", "low", 3, False, "staff", "Planner")
HUGO = RoleFact(7, "Hugo Vance", "influencer", "neutral", "high", 2, True, "vp", "Partner, Vance Consulting")

MEETINGS = (
    ActivityFact(dt.date(2025, 2, 20), "meeting", (1, 2), "Steering meeting"),
    ActivityFact(dt.date(2025, 2, 25), "demo", (2, 3), "Planning demo"),
)
PLAN = PlanSummary(
    go_live_date=dt.date(2025, 9, 1),
    feasible=True,
    sign_by=dt.date(2025, 6, 30),
    earliest_signing=dt.date(2025, 4, 15),
    min_slack=20,
    validated=True,
    changed_since_validation=False,
    overdue_milestone_keys=(),
    milestone_keys=("evaluation", "reference_check", "vendor_selected", "executive_approval", "legal_review",
                    "procurement", "contract_signed", "kickoff", "implementation", "go_live"),
    validated_by_name="Erin Ames",
)


def full_deal(stage: str = "negotiate", **overrides) -> DealFacts:
    facts = DealFacts(
        as_of=AS_OF,
        stage_slug=stage,
        stage_order=STAGES.index(stage) + 1,
        amount=Decimal("120000"),
        currency="EUR",
        expected_close_date=dt.date(2025, 5, 15),
        go_live_date=dt.date(2025, 9, 1),
        budget_status="approved",
        budget_amount=Decimal("150000"),
        compelling_event="The new CFO reports a reliable forecast to the board at the Q3 meeting.",
        consequence_if_missed="The board delays the expansion and the CFO misses her bonus target.",
        success_criteria="Forecast error under 10% within two quarters of go-live.",
        business_value="Cut forecast error from 30% to 10%, about EUR 400k a year in stock (CFO's estimate).",
        competitors=("Do nothing", "Acme Forecast"),
        strategy="indirect",
        strategy_notes="Reframe the choice around forecast accuracy, where Acme has no answer.",
        roles=(ERIN, CHAD, TESS),
        activities=MEETINGS,
        plan=PLAN,
    )
    return dataclasses.replace(facts, **overrides)


def empty_deal(stage: str) -> DealFacts:
    # The deals app always lists "do nothing" first; listing it alone earns nothing.
    return DealFacts(as_of=AS_OF, stage_slug=stage, stage_order=STAGES.index(stage) + 1, competitors=("do nothing",))


def gap_rules(result) -> set[str]:
    return {rule for dim in result.dimensions.values() for gap in dim.gaps for rule in gap.rules}


def gaps_for(result, rule_id):
    return [gap for dim in result.dimensions.values() for gap in dim.gaps if rule_id in gap.rules]


def yes(evidence: str = EVIDENCE) -> AnswerFact:
    return AnswerFact("yes", evidence)


# --- the two reference deals -------------------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_it_scores_an_empty_deal_red_on_all_four(stage):
    result = score_deal(empty_deal(stage))

    assert {name: d.status for name, d in result.dimensions.items()} == dict.fromkeys(
        ("relationships", "strategy", "value", "process"), "red"
    )
    # Every dimension says why: a gap of its own, or questions not answered while a more basic fact's gap
    # elsewhere explains the rest (no compelling event is Value's gap, not Strategy's too).
    assert all(d.gaps or d.unanswered for d in result.dimensions.values())
    late = stage in ("propose", "negotiate")
    assert {name: a.state for name, a in result.anchors.items()} == {
        "budget": "inconsistent" if late else "missing",
        "timeline": "missing",
        "compelling_event": "missing",
        "success_criteria": "missing",
    }


@pytest.mark.parametrize("stage", STAGES)
def test_it_scores_the_fully_covered_deal_green_on_all_four(stage):
    result = score_deal(full_deal(stage))

    assert {name: d.status for name, d in result.dimensions.items()} == dict.fromkeys(
        ("relationships", "strategy", "value", "process"), "green"
    ), {name: (d.score, [g.reason for g in d.gaps]) for name, d in result.dimensions.items()}
    assert {name: a.state for name, a in result.anchors.items()} == dict.fromkeys(
        ("budget", "timeline", "compelling_event", "success_criteria"), "present"
    )
    assert not {rule for rule in gap_rules(result) if RULES_BY_ID[rule].kind in (PENALTY, CAP)}


def test_it_reaches_100_when_every_question_is_answered_with_evidence():
    answers = {rule.question: yes() for rule in RULES if rule.kind == ANSWER}
    answers["proc_reference_timing"] = yes()
    result = score_deal(full_deal(roles=(ERIN, CHAD, TESS, PAUL), answers=answers))

    assert {name: d.score for name, d in result.dimensions.items()} == dict.fromkeys(
        ("relationships", "strategy", "value", "process"), 100
    )
    assert result.overall == 100
    assert gap_rules(result) == set()


# --- every rule, one case each -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    rule: str
    fires: dict  # overrides on full_deal() that make the rule fire (EARN: not met; ANSWER: contradicted)
    quiet: dict = dataclasses.field(default_factory=dict)  # overrides that keep it quiet
    stage: str = "negotiate"

    def __str__(self):
        return self.rule


ENGAGED_2_3 = (ActivityFact(dt.date(2025, 2, 25), "demo", (2, 3)),)
NO_NUMBER = "Better forecasts for the planning team"
UNOPPOSED_BLOCKER = (
    dataclasses.replace(ERIN, stance="neutral"),
    dataclasses.replace(CHAD, influence="medium"),
    TESS,
    BORIS,
)
JUNIORS = (TESS, STAN)
JUNIOR_MEETINGS = (ActivityFact(dt.date(2025, 2, 25), "meeting", (3, 6)),)
REFERENCE_CALL = MEETINGS + (ActivityFact(dt.date(2025, 2, 27), "call", (2,), "Reference call with Globex"),)

CASES = (
    # Relationships
    Case("rel.power_identified", {"roles": (CHAD, TESS)}),
    Case("rel.power_engaged", {"activities": ENGAGED_2_3}),
    Case("rel.champion",
         {"roles": (ERIN, TESS, STAN), "activities": (ActivityFact(dt.date(2025, 2, 20), "meeting", (1, 3, 6)),)}),
    Case("rel.two_threads", {"activities": (ActivityFact(dt.date(2025, 2, 20), "meeting", (1,)),)}),
    Case("rel.three_threads", {"activities": (MEETINGS[0],)}),
    Case("rel.senior_access", {"roles": (dataclasses.replace(ERIN, seniority="director", title=""), CHAD, TESS)}),
    Case("rel.answer_economic_buyer", {"roles": (CHAD, TESS)}),
    Case("rel.answer_integrity", {"roles": tuple(dataclasses.replace(r, strength=2) for r in (ERIN, CHAD, TESS))}),
    Case("rel.answer_competitor_map", {"competitors": ("do nothing",)}),
    Case("rel.only_below_power", {"roles": JUNIORS, "activities": JUNIOR_MEETINGS}),
    Case("rel.power_leans_competitor", {"roles": (dataclasses.replace(ERIN, leans_to_competitor=True), CHAD, TESS)}),
    Case("rel.no_engaged_power", {"activities": ENGAGED_2_3}, stage="discover"),
    Case("rel.single_threaded", {"activities": (ActivityFact(dt.date(2025, 2, 20), "meeting", (1,)),)},
         stage="evaluate"),
    # Strategy
    Case("strat.strategy_chosen", {"strategy": ""}),
    Case("strat.case_against_do_nothing", {"competitors": ("Acme Forecast",)}),
    Case("strat.rivals_known", {"competitors": ("do nothing",)}),
    Case("strat.rationale", {"strategy_notes": ""}),
    Case("strat.opposition_covered", {"roles": UNOPPOSED_BLOCKER}),
    Case("strat.answer_people_plan", {"roles": ()}),
    Case("strat.answer_blockers", {"roles": UNOPPOSED_BLOCKER}),
    Case("strat.answer_do_nothing", {"compelling_event": ""}),
    Case("strat.answer_competitive", {"strategy": ""}),
    Case("strat.answer_influencers", {"roles": (ERIN, CHAD, TESS, HUGO)}),
    Case("strat.direct_without_advantage", {"strategy": "direct", "strategy_notes": ""}),
    Case("strat.direct_against_leaning_power",
         {"strategy": "direct", "roles": (dataclasses.replace(ERIN, leans_to_competitor=True), CHAD, TESS)},
         {"strategy": "direct"}),
    Case("strat.no_strategy", {"strategy": ""}, stage="evaluate"),
    # Value
    Case("value.stated", {"business_value": ""}),
    Case("value.quantified", {"business_value": NO_NUMBER}),
    Case("value.compelling_event", {"compelling_event": ""}),
    Case("value.consequence", {"consequence_if_missed": ""}),
    Case("value.success_criteria", {"success_criteria": ""}),
    Case("value.answer_customer_defined", {"business_value": ""}),
    Case("value.answer_business_case", {"business_value": NO_NUMBER}),
    Case("value.generic_claim", {"business_value": "Saves them time and money across the team."}),
    Case("value.event_without_consequence", {"consequence_if_missed": ""}),
    Case("value.not_quantified", {"business_value": NO_NUMBER}, stage="propose"),
    Case("value.no_compelling_event", {"compelling_event": ""}, stage="evaluate"),
    # Process
    Case("proc.go_live_set", {"go_live_date": None}),
    Case("proc.budget_identified", {"budget_status": "unknown"}),
    Case("proc.budget_approved", {"budget_status": "identified"}),
    Case("proc.close_plan", {"plan": None}),
    Case("proc.plan_on_track", {"plan": dataclasses.replace(PLAN, overdue_milestone_keys=("legal_review",))}),
    Case("proc.plan_validated", {"plan": dataclasses.replace(PLAN, changed_since_validation=True)}),
    Case("proc.approvers_mapped", {}, {"roles": (ERIN, CHAD, TESS, PAUL)}),
    Case("proc.answer_approval", {"roles": (CHAD, TESS)}),
    Case("proc.answer_procurement", {}, {"roles": (ERIN, CHAD, TESS, PAUL)}),
    Case("proc.go_live_before_close", {"go_live_date": dt.date(2025, 5, 1)}),
    Case("proc.budget_unknown_late", {"budget_status": "unknown"}, stage="propose"),
    Case("proc.wishful_close", {"expected_close_date": dt.date(2025, 4, 1)}),
    Case("proc.close_after_sign_by", {"expected_close_date": dt.date(2025, 7, 15)}),
    Case("proc.plan_infeasible", {"plan": dataclasses.replace(PLAN, feasible=False, min_slack=-5)}),
    Case("proc.overdue_milestones", {"plan": dataclasses.replace(PLAN, overdue_milestone_keys=("evaluation",))}),
    Case("proc.close_date_passed", {"expected_close_date": dt.date(2025, 2, 28)}),
    Case("proc.reference_before_commitment", {"activities": REFERENCE_CALL},
         {"activities": REFERENCE_CALL, "answers": {"proc_reference_timing": AnswerFact("yes", "")}}),
    Case("proc.no_close_plan", {"plan": None}, stage="propose"),
    Case("proc.plan_not_validated", {"plan": dataclasses.replace(PLAN, validated=False)}),
    Case("proc.no_approval_step",
         {"plan": dataclasses.replace(PLAN, milestone_keys=("evaluation", "vendor_selected", "contract_signed",
                                                            "go_live"))},
         stage="propose"),
    Case("proc.validated_without_authority", {"plan": dataclasses.replace(PLAN, validated_by_name="Tess Lin")}),
)
# ANSWER rules with no data check: the answer alone decides (see test_it_credits_unchecked_answers).
UNCHECKED_ANSWER_RULES = {rule.id for rule in RULES if rule.kind == ANSWER and rule.check is None}


def test_it_has_a_case_for_every_rule():
    assert {case.rule for case in CASES} | UNCHECKED_ANSWER_RULES == set(RULES_BY_ID)
    assert len({case.rule for case in CASES}) == len(CASES)


def _with_answer(rule, overrides):
    if rule.kind != ANSWER:
        return overrides
    return {**overrides, "answers": {**overrides.get("answers", {}), rule.question: yes()}}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_it_applies_every_rule(case):
    rule = RULES_BY_ID[case.rule]
    quiet = score_deal(full_deal(case.stage, **_with_answer(rule, case.quiet)))
    fires = score_deal(full_deal(case.stage, **_with_answer(rule, case.fires)))

    assert case.rule not in gap_rules(quiet)
    assert case.rule in gap_rules(fires)
    quiet_score = quiet.dimensions[rule.dimension].score
    fired_score = fires.dimensions[rule.dimension].score
    assert fired_score < quiet_score
    if rule.kind == CAP:
        assert fired_score <= rule.cap_at(STAGES.index(case.stage) + 1)
    gap = gaps_for(fires, case.rule)[0]
    assert gap.question and gap.action and gap.reason
    if rule.kind == ANSWER:
        assert "the data wins" in gap.reason.lower()


@pytest.mark.parametrize("rule_id", sorted(UNCHECKED_ANSWER_RULES))
def test_it_credits_unchecked_answers(rule_id):
    rule = RULES_BY_ID[rule_id]

    def score(answer):
        answers = {rule.question: answer} if answer else {}
        return score_deal(full_deal(answers=answers)).dimensions[rule.dimension].score

    assert score(yes()) > score(AnswerFact("yes")) > score(None)
    assert score(AnswerFact("no", EVIDENCE)) == score(AnswerFact("dont_know")) == score(None)


@pytest.mark.parametrize("rule", [r for r in RULES if r.kind in (EARN, ANSWER)], ids=lambda r: r.id)
def test_it_gives_every_earning_rule_positive_points(rule):
    assert rule.points > 0


def test_it_keeps_the_earning_points_of_each_dimension_at_100():
    for dimension in ("relationships", "strategy", "value", "process"):
        assert sum(r.points for r in RULES if r.dimension == dimension and r.kind in (EARN, ANSWER)) == 100


# --- answers: evidence, no happy ears, data wins -----------------------------------------------


def test_it_credits_evidence_more_than_a_bare_yes():
    def score(answer):
        return score_deal(full_deal(answers={"rel_integrity": answer})).dimensions["relationships"].score

    assert score(AnswerFact("yes", EVIDENCE)) > score(AnswerFact("yes", "")) > score(AnswerFact("no"))
    assert score(AnswerFact("partly", EVIDENCE)) == score(AnswerFact("yes", "yes!"))
    assert score(AnswerFact("yes", "")) > score(AnswerFact("partly", "")) > score(AnswerFact("dont_know"))


def test_it_says_a_bare_yes_is_half_credit():
    result = score_deal(full_deal(answers={"rel_integrity": AnswerFact("yes", "")}))

    [gap] = gaps_for(result, "rel.answer_integrity")
    assert "no evidence" in gap.reason
    assert any("without evidence" in e for e in result.dimensions["relationships"].evidence)


def test_it_lets_data_beat_a_contradicting_answer():
    no_buyer = {"roles": (CHAD, TESS)}
    unanswered = score_deal(full_deal(**no_buyer))
    claimed = score_deal(full_deal(**no_buyer, answers={"rel_economic_buyer": yes("We know the CFO well.")}))

    assert claimed.dimensions["relationships"].score == unanswered.dimensions["relationships"].score
    # One gap about the buyer: what the data shows, then that the rep's yes does not count.
    [gap] = gaps_for(claimed, "rel.answer_economic_buyer")
    assert gap.question_key == "rel_economic_buyer"
    assert gap.reason.startswith("Nobody who can say yes has taken part in an activity")
    assert gap.reason.endswith("The rep answered 'yes'; the data wins: no credit until it shows.")
    [alone] = gaps_for(score_deal(full_deal(roles=(CHAD, TESS), answers={"rel_economic_buyer": yes()},
                                            activities=())), "rel.answer_economic_buyer")
    assert "the data wins" in alone.reason


def test_it_lets_data_beat_a_yes_about_do_nothing_and_value():
    deal = full_deal(
        compelling_event="",
        business_value="Saves time and money.",
        answers={"strat_do_nothing": yes(), "value_business_case": yes()},
    )
    result = score_deal(deal)

    assert "no compelling event is recorded" in gaps_for(result, "strat.answer_do_nothing")[0].reason
    assert "has no figure the customer measures" in gaps_for(result, "value.answer_business_case")[0].reason


def test_it_uses_the_admin_edited_question_text():
    question = QuestionText("relationships", "Who signs, and when did you last see them?", "Go see them.")
    result = score_deal(full_deal(roles=(CHAD, TESS), questions={"rel_economic_buyer": question}))

    gap = gaps_for(result, "rel.power_identified")[0]
    assert (gap.question, gap.action) == (question.text, question.action)


def test_it_stops_counting_a_retired_question():
    retired = QuestionText("relationships", "Old wording?", "Old action.", active=False)
    unanswered = score_deal(full_deal())
    without = score_deal(full_deal(questions={"rel_integrity": retired}))

    # Unanswered with nothing wrong in the data: not a gap, listed as unanswered.
    assert "rel_integrity" in unanswered.dimensions["relationships"].unanswered
    assert "rel_integrity" not in without.dimensions["relationships"].unanswered
    assert "rel.answer_integrity" not in gap_rules(unanswered)
    assert without.dimensions["relationships"].score > unanswered.dimensions["relationships"].score


# --- expectations rise with the stage ----------------------------------------------------------


@pytest.mark.parametrize(
    "stage, status",
    [("qualify", "amber"), ("discover", "amber"), ("evaluate", "amber"), ("propose", "red"), ("negotiate", "red")],
)
def test_it_expects_more_of_relationships_later_in_the_deal(stage, status):
    answered = {"rel_integrity": yes(), "rel_competitor_map": yes()}

    result = score_deal(full_deal(stage, activities=ENGAGED_2_3, answers=answered))

    assert result.dimensions["relationships"].status == status


def test_it_does_not_expect_a_close_plan_while_qualifying():
    deal = full_deal("qualify", plan=None, expected_close_date=None)

    assert "proc.close_plan" not in gap_rules(score_deal(deal))
    assert "proc.close_plan" in gap_rules(score_deal(dataclasses.replace(deal, stage_slug="evaluate")))


def test_it_falls_back_to_stage_order_for_custom_stages():
    deal = dataclasses.replace(full_deal(activities=ENGAGED_2_3), stage_slug="security-review", stage_order=9)

    assert score_deal(deal).dimensions["relationships"].status == "red"


# --- habits the coach catches ------------------------------------------------------------------


def test_it_flags_selling_only_below_the_decision_maker():
    result = score_deal(full_deal("discover", roles=JUNIORS, activities=JUNIOR_MEETINGS))

    assert "below director level" in gaps_for(result, "rel.only_below_power")[0].reason
    assert result.dimensions["relationships"].status == "red"


def test_it_flags_a_wishful_close_date_with_the_plan_dates():
    result = score_deal(full_deal(expected_close_date=dt.date(2025, 3, 31)))

    [gap] = gaps_for(result, "proc.wishful_close")
    assert "2025-04-15" in gap.reason and "2025-03-31" in gap.reason


def test_it_ignores_activities_after_the_as_of_date():
    future = (ActivityFact(dt.date(2025, 4, 1), "meeting", (1, 2, 3)),)

    result = score_deal(full_deal(activities=future))

    assert {"rel.power_engaged", "rel.two_threads"} <= gap_rules(result)


def test_it_counts_last_engaged_on_without_activities():
    roles = tuple(dataclasses.replace(r, last_engaged_on=dt.date(2025, 2, 1)) for r in (ERIN, CHAD, TESS))

    result = score_deal(full_deal(roles=roles, activities=()))

    assert result.dimensions["relationships"].status == "green"


def test_it_forgets_engagement_older_than_60_days():
    old = (ActivityFact(AS_OF - dt.timedelta(days=61), "meeting", (1, 2, 3)),)

    assert "rel.power_engaged" in gap_rules(score_deal(full_deal(activities=old)))


def test_it_counts_engagement_within_the_configured_window():
    weeks_ago = (ActivityFact(AS_OF - dt.timedelta(days=45), "meeting", (1, 2, 3)),)

    assert "rel.power_engaged" not in gap_rules(score_deal(full_deal(activities=weeks_ago)))
    narrow = dataclasses.replace(full_deal(activities=weeks_ago), engagement_window_days=30)
    result = score_deal(narrow)
    assert "rel.power_engaged" in gap_rules(result)
    assert "in the last 30 days" in " ".join(g.reason for d in result.dimensions.values() for g in d.gaps)


# --- anchors ----------------------------------------------------------------------------------

ANCHOR_CASES = [
    ("budget", "missing", "discover", {"budget_status": "unknown"}),
    ("budget", "inconsistent", "propose", {"budget_status": "unknown"}),
    ("budget", "inconsistent", "negotiate", {"budget_amount": Decimal("90000")}),
    ("timeline", "missing", "negotiate", {"go_live_date": None}),
    ("timeline", "inconsistent", "negotiate", {"go_live_date": dt.date(2025, 5, 1)}),
    ("timeline", "inconsistent", "negotiate", {"go_live_date": dt.date(2025, 2, 1), "expected_close_date": None}),
    ("timeline", "inconsistent", "negotiate", {"plan": dataclasses.replace(PLAN, feasible=False, min_slack=-3)}),
    ("compelling_event", "missing", "negotiate", {"compelling_event": ""}),
    ("compelling_event", "inconsistent", "negotiate", {"consequence_if_missed": ""}),
    ("success_criteria", "missing", "negotiate", {"success_criteria": ""}),
    ("success_criteria", "inconsistent", "negotiate", {"success_criteria": "Saves time and money"}),
]


@pytest.mark.parametrize("anchor, state, stage, overrides", ANCHOR_CASES)
def test_it_assesses_each_anchor(anchor, state, stage, overrides):
    result = score_deal(full_deal(stage, **overrides))

    assert result.anchors[anchor].state == state
    assert result.anchors[anchor].reason
    others = {name: a.state for name, a in result.anchors.items() if name != anchor}
    assert set(others.values()) == {"present"}


def test_it_has_an_anchor_case_for_every_anchor_check():
    from coaching.rsvp.anchors import ANCHOR_CHECKS

    assert len(ANCHOR_CASES) == len(ANCHOR_CHECKS)


# --- output -----------------------------------------------------------------------------------


def test_it_serialises_to_the_api_shape():
    data = score_deal(full_deal(activities=ENGAGED_2_3)).to_dict()

    assert set(data) == {"overall", "dimensions", "anchors", "next"}
    assert isinstance(data["overall"], int) and 0 <= data["overall"] <= 100
    assert set(data["dimensions"]) == {"relationships", "strategy", "value", "process"}
    for dimension in data["dimensions"].values():
        assert set(dimension) == {"score", "status", "evidence", "gaps", "unanswered"}
        assert dimension["status"] in ("red", "amber", "green")
        assert all(isinstance(e, str) for e in dimension["evidence"])
        assert all(set(g) == {"reason", "question", "action", "question_key"} for g in dimension["gaps"])
    assert data["next"]["question"] == "rel_economic_buyer"
    assert set(data["anchors"]) == {"budget", "timeline", "compelling_event", "success_criteria"}
    for anchor in data["anchors"].values():
        assert set(anchor) == {"state", "reason"}
        assert anchor["state"] in ("present", "missing", "inconsistent")


def test_it_summarises_for_storage():
    result = score_deal(full_deal(activities=ENGAGED_2_3))

    summary = result.summary()

    assert summary["overall"] == result.overall
    relationships = summary["dimensions"]["relationships"]
    assert relationships["score"] == result.dimensions["relationships"].score
    assert relationships["gaps"] == len(result.dimensions["relationships"].gaps)
    assert relationships["next"]["rule"] == "rel.no_engaged_power"
    assert relationships["next"]["question"] == "rel_economic_buyer"
    assert summary["next"]["dimension"] == "relationships"
    assert summary["next"]["text"] == result.next_gap.question
    assert summary["anchors"]["budget"] == "present"
    assert score_deal(full_deal(answers={
        rule.question: yes() for rule in RULES if rule.kind == ANSWER
    }, roles=(ERIN, CHAD, TESS, PAUL))).summary()["next"] is None


def test_it_orders_gaps_caps_first():
    gaps = score_deal(full_deal(activities=ENGAGED_2_3)).dimensions["relationships"].gaps

    assert gaps[0].rule == "rel.no_engaged_power"


@pytest.mark.parametrize(
    "score, status",
    [(100, "green"), (GREEN_AT, "green"), (GREEN_AT - 1, "amber"), (AMBER_AT, "amber"), (AMBER_AT - 1, "red"), (0, "red")],
)
def test_it_documents_status_thresholds(score, status):
    assert status_for(score) == status


def test_it_averages_the_overall_score():
    result = score_deal(full_deal(activities=ENGAGED_2_3))

    assert result.overall == round(sum(d.score for d in result.dimensions.values()) / 4)
