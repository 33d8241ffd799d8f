"""Deal stories from the seeds ("Winning Big Deals" and its neighbours in
../shared/seeds/), each with the verdict the seeds' reasoning implies: the
status of the dimensions that matter, the anchors, and the subject of the
first question a manager should ask. Table-driven, no database.

`STRONG` is a deal the seeds would forecast with confidence: the economic
buyer engaged, a champion, three threads, an indirect strategy against do
nothing and a named rival, a quantified business case, every anchor, and a
feasible close plan with procurement and legal in it that the economic buyer
validated. Each story changes what its seed passage is about.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from coaching.rsvp.scoring import ActivityFact, AnswerFact, RoleFact, score_deal
from tests.coaching.rsvp.test_scoring import (
    CHAD,
    ENGAGED_2_3,
    ERIN,
    EVIDENCE,
    JUNIOR_MEETINGS,
    JUNIORS,
    MEETINGS,
    PAUL,
    PLAN,
    STAN,
    TESS,
    full_deal,
)

BORIS = RoleFact(5, "Boris Ulm", "blocker", "opponent", "high", 1, False, "vp", "VP Operations")
HUGO = RoleFact(7, "Hugo Vance", "influencer", "neutral", "high", 2, True, "vp", "Partner, Vance Consulting")
NEUTRAL_ERIN = dataclasses.replace(ERIN, stance="neutral")
QUIET_CHAD = dataclasses.replace(CHAD, influence="medium")
NO_OUTSIDERS = AnswerFact("yes", "No outside advisers involved, per the CFO.")
WITHOUT_GATES = ("evaluation", "reference_check", "vendor_selected", "executive_approval", "contract_signed",
                 "kickoff", "implementation", "go_live")


def strong(stage: str = "negotiate", **overrides):
    return full_deal(stage, **{"roles": (ERIN, CHAD, TESS, PAUL), **overrides})


def empty(stage: str, **overrides):
    return full_deal(
        stage, roles=(), activities=(), plan=None, strategy="", strategy_notes="", competitors=("do nothing",),
        business_value="", compelling_event="", consequence_if_missed="", success_criteria="",
        budget_status="unknown", budget_amount=None, go_live_date=None, **overrides,
    )


@dataclasses.dataclass(frozen=True)
class Story:
    name: str
    seed: str  # what the seeds say, in a line
    facts: object
    top: str | None  # the key of the first question to ask (None: nothing to ask)
    statuses: dict = dataclasses.field(default_factory=dict)  # dimension -> status, where it matters
    anchors: dict = dataclasses.field(default_factory=dict)  # anchor -> state, where it matters
    says: str = ""  # words the top question's reason must contain

    def __str__(self):
        return self.name


STORIES = (
    Story("strong deal", "A validated close plan on the customer's date: forecast with confidence.",
          strong(), None,
          dict.fromkeys(("relationships", "strategy", "value", "process"), "green"),
          dict.fromkeys(("budget", "timeline", "compelling_event", "success_criteria"), "present")),
    Story("all red, first reach the decision maker",
          "The cardinal sin is selling to people who can say no but not to those who can say yes.",
          empty("propose"), "rel_economic_buyer",
          dict.fromkeys(("relationships", "strategy", "value", "process"), "red"),
          {"budget": "inconsistent", "timeline": "missing", "compelling_event": "missing",
           "success_criteria": "missing"},
          "nobody who can say yes"),
    Story("selling below the decision maker", "Lower down they want to talk about the product, not outcomes.",
          strong("discover", roles=JUNIORS, activities=JUNIOR_MEETINGS), "rel_economic_buyer",
          {"relationships": "red"}),
    Story("home and hosed on a bare yes", "The rep thought it was won; the buyer was never in the room.",
          strong("propose", activities=ENGAGED_2_3,
                 answers={"rel_economic_buyer": AnswerFact("yes", "We know the CFO well, trust me.")}),
          "rel_economic_buyer", {"relationships": "red"}, says="the data wins"),
    Story("economic buyer on the map but silent", "Relationships with genuine power, not names on a chart.",
          strong("evaluate", activities=ENGAGED_2_3), "rel_economic_buyer", {"relationships": "red"},
          says="Erin Ames"),
    Story("opponent contradicts a 'no blockers' answer", "How are you going to avoid getting blocked?",
          strong(roles=(NEUTRAL_ERIN, QUIET_CHAD, TESS, PAUL, BORIS),
                 answers={"strat_blockers": AnswerFact("yes", "No blockers: everyone in IT supports us.")}),
          "strat_blockers", {"strategy": "amber"}, says="Boris Ulm"),
    # Hugo's lean costs Relationships more than the rep's answer costs Strategy: that gap comes first;
    # the answer's own gap is checked in test_it_names_the_consultant_behind_a_contradicted_answer.
    Story("a consultant leaning to the rival", "External consultants can have influential relationships.",
          strong(roles=(ERIN, CHAD, TESS, PAUL, HUGO), answers={"strat_influencers": NO_OUTSIDERS}),
          "rel_competitor_map", says="Hugo Vance"),
    Story("do nothing not on the list", "Our biggest competitor is do nothing: the status quo and apathy.",
          strong(competitors=("Acme Forecast",)), "strat_do_nothing", says="Do nothing"),
    Story("'this deal's strategic': head-to-head with no advantage",
          "Most reps only know a direct strategy on the basis that we are best at everything.",
          strong(strategy="direct", strategy_notes=""), "strat_competitive", {"strategy": "amber"}),
    Story("direct attack where power leans to the rival", "Change the ground rules instead of duking it out.",
          strong(strategy="direct", roles=(dataclasses.replace(ERIN, leans_to_competitor=True), CHAD, TESS, PAUL)),
          "strat_competitive"),
    Story("no compelling event late in the deal", "What date do you have to be live by, and what if it is missed?",
          strong("evaluate", compelling_event=""), "value_compelling_event", {"value": "amber"},
          {"compelling_event": "missing"}),
    Story("an event nobody suffers for missing", "Explore whether someone won't receive a bonus or could lose "
          "their job.", strong(consequence_if_missed=""), "value_compelling_event",
          anchors={"compelling_event": "inconsistent"}),
    Story("a feature list with numbers", "Features and functions don't win deals; they exclude you from them.",
          strong("propose", business_value="20 integrations, 99.9% uptime and SSO for 500 users."),
          "value_quantified", {"value": "amber"}, says="none is a result the customer measures"),
    Story("generic 'saves time and money'", "Projecting value is old world; let the customer define it.",
          strong(business_value="Saves them time and money across the team."), "value_quantified",
          {"value": "red"}, says="generic claim"),
    Story("a generic success criterion", "Allow the customer to define value, in their measures.",
          strong(success_criteria="A happier, more efficient planning team."), "value_success_criteria",
          {"value": "amber"}, {"success_criteria": "inconsistent"}, "nothing to measure"),
    Story("funding not really secured", "Maybe they only have the go-ahead to investigate rather than procure.",
          strong("propose", budget_status="unknown", budget_amount=None), "proc_budget", {"process": "amber"},
          {"budget": "inconsistent"}),
    Story("everything covered but the close plan", "If all elements of RSVP are covered, I then raise the "
          "close plan.", strong("propose", plan=None), "proc_close_plan",
          {"relationships": "green", "strategy": "green", "value": "green", "process": "red"},
          says="No close plan"),
    Story("a wishful close date on a strong deal", "Forecasts made on our quarter, not the buyer's process.",
          strong(expected_close_date=dt.date(2025, 3, 31)), "proc_close_date",
          {"relationships": "green", "strategy": "green", "value": "green", "process": "amber"},
          says="Wishful close date"),
    Story("signing after the sign-by date", "It's their date, not ours: work back from go-live.",
          strong(expected_close_date=dt.date(2025, 7, 15)), "proc_close_date", {"process": "amber"},
          says="the last day to sign"),
    Story("procurement and legal removed from the plan", "After the decision come procurement and legal review.",
          strong("propose", plan=dataclasses.replace(PLAN, milestone_keys=WITHOUT_GATES)), "proc_approval",
          {"process": "amber"}, says="no procurement or legal"),
    Story("a plan confirmed by a junior contact", "Lower down, people may not know the approval gates.",
          strong(plan=dataclasses.replace(PLAN, validated_by_name="Tess Lin")), "proc_plan_validated",
          {"process": "amber"}, says="Tess Lin"),
    Story("a plan changed since the customer confirmed it", "A validated plan is the customer's; a changed one "
          "is ours again.", strong(plan=dataclasses.replace(PLAN, changed_since_validation=True)),
          "proc_plan_validated", {"process": "amber"}),
    Story("references before commitment", "References come last, once the buyer has committed to move forward.",
          strong(activities=(*MEETINGS, ActivityFact(dt.date(2025, 2, 27), "call", (2,), "Reference call with Globex"))),
          "proc_reference_timing", says="Reference call with Globex"),
    Story("the champion has gone quiet", "Do they do what they say they will, and bring insight and influence?",
          strong(activities=(ActivityFact(dt.date(2025, 2, 20), "meeting", (1, 3, 4)),)),
          "rel_champion", says="Chad Roe"),
    Story("one thread at Evaluate", "If your main contact left tomorrow, who else would keep this deal moving?",
          strong("evaluate", roles=(ERIN, CHAD, TESS, PAUL, STAN),
                 activities=(ActivityFact(dt.date(2025, 2, 20), "meeting", (1,)),)),
          "rel_multithreaded", {"relationships": "amber"}),
)


def test_it_has_at_least_twenty_stories():
    assert len(STORIES) >= 20
    assert len({s.name for s in STORIES}) == len(STORIES)


@pytest.mark.parametrize("story", STORIES, ids=str)
def test_it_reaches_the_verdict_the_seeds_imply(story):
    result = score_deal(story.facts)
    top = result.next_gap
    overview = {name: (d.score, [(g.question_key, g.reason) for g in d.gaps]) for name, d in result.dimensions.items()}

    assert (top.question_key if top else None) == story.top, overview
    for dimension, status in story.statuses.items():
        assert result.dimensions[dimension].status == status, (dimension, overview)
    for anchor, state in story.anchors.items():
        assert result.anchors[anchor].state == state, (anchor, result.anchors[anchor])
    if story.says:
        assert story.says.lower() in top.reason.lower(), top.reason
    if top is not None:
        assert result.summary()["next"] == result.to_dict()["next"] == top.next_dict()


def test_it_asks_for_a_close_plan_built_back_from_go_live_not_for_agreement_to_its_dates():
    top = score_deal(strong("propose", plan=None)).next_gap

    assert "live by" in top.question and "agreed" not in top.question
    assert "backward from their go-live date" in top.action


def test_it_keeps_evidence_of_the_answer_it_overrules_out_of_the_evidence():
    result = score_deal(strong(roles=(NEUTRAL_ERIN, QUIET_CHAD, TESS, PAUL, BORIS),
                               answers={"strat_blockers": AnswerFact("yes", EVIDENCE)}))

    assert not any(EVIDENCE in line for line in result.dimensions["strategy"].evidence)


def test_it_names_the_consultant_behind_a_contradicted_answer():
    result = score_deal(strong(roles=(ERIN, CHAD, TESS, PAUL, HUGO), answers={"strat_influencers": NO_OUTSIDERS}))

    [gap] = [g for g in result.dimensions["strategy"].gaps if g.question_key == "strat_influencers"]
    assert "Hugo Vance" in gap.reason and "the data wins" in gap.reason.lower()
