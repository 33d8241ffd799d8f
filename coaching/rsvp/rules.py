"""The RSVP rule table: every rule that moves a score, in one declarative list.

Four kinds of rule (`docs/coaching.md` is generated from this table):

- EARN: a fact in the data earns `points` when it holds. When it does not and
  the deal has reached `from_stage`, it is a gap.
- ANSWER: the rep's answer to a coaching question earns up to `points`: all of
  them for "yes" with evidence, half for a bare "yes" or for "partly" with
  evidence, a quarter for a bare "partly", nothing for "no" or "don't know".
  When `check` finds data contradicting the answer, the data wins: no points,
  and the gap says so.
- PENALTY: a bad sign in the data takes `points` off, from `from_stage` on.
- CAP: a missing essential holds the score at or below a ceiling that drops as
  the deal climbs the stage ladder (`caps`).

A dimension's score is the EARN and ANSWER points earned, out of the points
expected at the deal's stage, scaled to 100; then penalties come off and caps
apply. Rules not yet expected at the stage count only when they earn
something, so an early deal is judged on what matters early.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from coaching.rsvp import checks as c
from coaching.rsvp.deal_view import DealView
from coaching.rsvp.inputs import STAGE_LADDER

EARN = "earn"
ANSWER = "answer"
PENALTY = "penalty"
CAP = "cap"
KINDS = (EARN, ANSWER, PENALTY, CAP)


@dataclass(frozen=True)
class Rule:
    id: str
    dimension: str
    kind: str
    condition: str  # plain words, for the docs and for managers
    why: str
    question: str  # key of the coaching question to ask when the rule leaves a gap
    check: Callable[[DealView], Any] | None = None
    points: int = 0
    from_stage: str = "qualify"
    caps: tuple[tuple[str, int], ...] = ()
    # Derived once (scoring runs these rules for every deal, every night).
    from_level: int = field(init=False, repr=False)
    _cap_levels: tuple[tuple[int, int], ...] = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "from_level", STAGE_LADDER.index(self.from_stage) + 1)
        object.__setattr__(
            self, "_cap_levels", tuple((STAGE_LADDER.index(stage) + 1, cap) for stage, cap in self.caps)
        )

    def cap_at(self, level: int) -> int | None:
        """The ceiling this CAP rule sets at a stage level, or None before its first stage."""
        ceiling = None
        for from_level, cap in self._cap_levels:
            if level >= from_level:
                ceiling = cap
        return ceiling


R, S, V, P = "relationships", "strategy", "value", "process"

RULES: tuple[Rule, ...] = (
    # --- Relationships: do we know, and talk to, the people who can say yes? ---
    Rule("rel.power_identified", R, EARN,
         "An economic buyer or decision maker is on the deal's map.",
         "You cannot win over someone you have not identified.",
         "rel_economic_buyer", c.power_identified, points=10),
    Rule("rel.power_engaged", R, EARN,
         "An economic buyer or decision maker took part in an activity in the last 60 days.",
         "Selling to people who can only say no is the classic way to lose a deal you thought you had.",
         "rel_economic_buyer", c.power_engaged, points=20),
    Rule("rel.champion", R, EARN,
         "A champion or coach who is an advocate or supporter was engaged in the last 60 days.",
         "Someone inside has to sell for us when we are not in the room.",
         "rel_champion", c.champion, points=15),
    Rule("rel.two_threads", R, EARN,
         "At least two stakeholders were engaged in the last 60 days.",
         "One contact is one resignation away from a dead deal.",
         "rel_multithreaded", c.threads(2), points=10),
    Rule("rel.three_threads", R, EARN,
         "At least three stakeholders were engaged in the last 60 days.",
         "Buying decisions are made by groups; by Evaluate we should know the group.",
         "rel_multithreaded", c.threads(3), points=10, from_stage="evaluate"),
    Rule("rel.senior_access", R, EARN,
         "A VP or C-level stakeholder was engaged in the last 60 days.",
         "Senior people talk about outcomes and risk; lower down the talk stays on features.",
         "rel_senior_level", c.senior_access, points=10, from_stage="discover"),
    Rule("rel.answer_economic_buyer", R, ANSWER,
         "Contradicted when no economic buyer or decision maker is on the map or engaged in 60 days.",
         "Knowing the buyer is a claim the activity log can check.",
         "rel_economic_buyer", c.no_power_on_map_or_engaged, points=10),
    Rule("rel.answer_integrity", R, ANSWER,
         "Contradicted when nobody is on the map or every relationship strength is 2 or less.",
         "A relationship counts when it brings insight, influence and information, and the person keeps their word.",
         "rel_integrity", c.weak_relationships, points=10),
    Rule("rel.answer_competitor_map", R, ANSWER,
         "Contradicted when no competitor besides do nothing is recorded and nobody leans to one.",
         "The competitors' relationships decide deals as much as ours do.",
         "rel_competitor_map", c.no_competition_recorded, points=5, from_stage="discover"),
    Rule("rel.only_below_power", R, PENALTY,
         "People are engaged, but all are below director level and no economic buyer or decision maker is.",
         "Staying below the decision maker feels like progress and rarely is.",
         "rel_senior_level", c.only_below_power, points=15, from_stage="discover"),
    Rule("rel.power_leans_competitor", R, PENALTY,
         "An economic buyer, decision maker or high-influence stakeholder leans to a competitor.",
         "A powerful person on the other side outweighs several friendly ones.",
         "rel_competitor_map", c.power_leans_competitor, points=10),
    Rule("rel.no_engaged_power", R, CAP,
         "No economic buyer or decision maker engaged in the last 60 days.",
         "Without the person who can say yes, a deal is at best amber mid-funnel and red late in it.",
         "rel_economic_buyer", c.no_engaged_power, caps=(("discover", 69), ("propose", 39))),
    Rule("rel.single_threaded", R, CAP,
         "Fewer than two stakeholders engaged in the last 60 days.",
         "A single thread this late in the deal breaks easily.",
         "rel_multithreaded", c.single_threaded, caps=(("evaluate", 69),)),
    # --- Strategy: a plan for the people, the blockers and the competition (first of all: do nothing) ---
    Rule("strat.strategy_chosen", S, EARN,
         "One of the four competitive strategies is chosen: direct, indirect, divisional or containment.",
         "Without a chosen strategy the deal is run on hope.",
         "strat_competitive", c.strategy_chosen, points=20, from_stage="discover"),
    Rule("strat.case_against_do_nothing", S, EARN,
         "Do nothing is a competitor and the deal says why to act now: a compelling event and "
         "what waiting would cost.",
         "The first competitor in every deal is the customer deciding not to decide; "
         "only a reason to act now beats it.",
         "strat_do_nothing", c.case_against_do_nothing, points=20),
    Rule("strat.rivals_known", S, EARN,
         "At least one competitor besides do nothing is named.",
         "A competitive strategy needs to know who else is in the deal.",
         "strat_rivals", c.rivals_known, points=10, from_stage="discover"),
    Rule("strat.rationale", S, EARN,
         "The chosen strategy has written notes on why it will win.",
         "A strategy you cannot explain in a sentence is not yet a strategy.",
         "strat_competitive", c.strategy_rationale, points=10, from_stage="discover"),
    Rule("strat.opposition_covered", S, EARN,
         "Stakeholders are mapped and every high-influence blocker, opponent or competitor's ally is offset "
         "by a high-influence advocate or supporter.",
         "Blockers are managed by allies of equal weight, not ignored.",
         "strat_blockers", c.opposition_covered, points=15, from_stage="discover"),
    Rule("strat.answer_people_plan", S, ANSWER,
         "Contradicted when nobody is on the deal's map.",
         "A plan for relationships needs people to plan for.",
         "strat_people_plan", c.no_roles, points=5),
    Rule("strat.answer_blockers", S, ANSWER,
         "Contradicted, naming them, when a high-influence blocker, opponent or stakeholder leaning to a "
         "competitor has no high-influence ally against them.",
         "Saying the blockers are handled while the map shows one unopposed is happy ears.",
         "strat_blockers", c.uncovered_threats, points=5, from_stage="discover"),
    Rule("strat.answer_do_nothing", S, ANSWER,
         "Contradicted when do nothing is not a competitor or no compelling event is recorded.",
         "A case against the status quo needs a reason to act now on the record.",
         "strat_do_nothing", c.no_reason_to_act_now, points=5),
    Rule("strat.answer_competitive", S, ANSWER,
         "Contradicted when no strategy is chosen, or a direct strategy has no written advantage.",
         "The deal record should show the strategy the rep describes.",
         "strat_competitive", c.no_sound_strategy, points=5, from_stage="discover"),
    Rule("strat.answer_influencers", S, ANSWER,
         "Contradicted, naming them, when a high-influence influencer on the map opposes us, blocks or leans "
         "to a competitor.",
         "Consultants and partners often shape a decision without appearing on the org chart; "
         "the map wins over an answer that they are on our side.",
         "strat_influencers", c.hostile_influencers, points=5, from_stage="evaluate"),
    Rule("strat.direct_without_advantage", S, PENALTY,
         "The strategy is direct but no advantage is written down.",
         "Going head-to-head only works with an advantage the customer already sees.",
         "strat_competitive", c.direct_without_advantage, points=20),
    Rule("strat.direct_against_leaning_power", S, PENALTY,
         "The strategy is direct while an economic buyer or decision maker leans to a competitor.",
         "Attacking head-on where power favours the rival calls for an indirect or divisional play instead.",
         "strat_competitive", c.direct_against_leaning_power, points=15),
    Rule("strat.no_strategy", S, CAP,
         "No competitive strategy is chosen.",
         "From Evaluate on, an undefined strategy caps the dimension; from Propose it is red.",
         "strat_competitive", c.no_strategy, caps=(("evaluate", 69), ("propose", 39))),
    # --- Value: defined by the customer, in numbers, with a reason to act now ---
    Rule("value.stated", V, EARN,
         "Business value is written on the deal.",
         "If nobody wrote down why the customer should buy, nobody knows.",
         "value_customer_defined", c.value_stated, points=10),
    Rule("value.quantified", V, EARN,
         "The business value is quantified: a number tied to an outcome the customer measures (money, time, "
         "or a rate or count of something they care about), not a feature list with numbers.",
         "A business case needs figures the customer owns; \"20 integrations, 99.9% uptime\" is a spec sheet.",
         "value_quantified", c.value_quantified, points=20, from_stage="discover"),
    Rule("value.compelling_event", V, EARN,
         "A compelling event is recorded.",
         "Without a reason to act now, the status quo wins.",
         "value_compelling_event", c.compelling_event, points=15),
    Rule("value.consequence", V, EARN,
         "The consequence of missing the date is recorded.",
         "What happens if the date is missed is what makes the event compelling.",
         "value_compelling_event", c.consequence, points=10, from_stage="discover"),
    Rule("value.success_criteria", V, EARN,
         "Success criteria are recorded and measurable (the same test as quantified value).",
         "How the customer measures success holds the other anchors in place.",
         "value_success_criteria", c.success_criteria, points=20, from_stage="discover"),
    Rule("value.answer_customer_defined", V, ANSWER,
         "Contradicted when no business value is written on the deal.",
         "Value the customer put in their own words outweighs value we projected at them.",
         "value_customer_defined", c.no_value, points=10),
    Rule("value.answer_business_case", V, ANSWER,
         "Contradicted when the business value is missing or not quantified.",
         "A business case without a number is an opinion.",
         "value_business_case", c.no_number, points=10, from_stage="discover"),
    Rule("value.answer_unique", V, ANSWER,
         "No data check: the answer and its evidence stand on their own.",
         "Understanding their business better than anyone else is what makes value unique.",
         "value_unique", None, points=5, from_stage="evaluate"),
    Rule("value.generic_claim", V, PENALTY,
         "The business value is a generic claim (\"saves time and money\", \"efficiency\") with nothing measured.",
         "Boilerplate benefits tell the customer we have not understood their business.",
         "value_quantified", c.generic_value, points=20),
    Rule("value.event_without_consequence", V, PENALTY,
         "A compelling event is recorded with no consequence if it is missed.",
         "A date nobody suffers for missing will slip.",
         "value_compelling_event", c.event_without_consequence, points=10),
    Rule("value.not_quantified", V, CAP,
         "The business value is not quantified.",
         "Proposing without a quantified case invites a price fight.",
         "value_quantified", c.not_quantified, caps=(("propose", 69),)),
    Rule("value.no_compelling_event", V, CAP,
         "No compelling event is recorded.",
         "Late in the deal, no reason to act now means the decision can always wait.",
         "value_compelling_event", c.no_compelling_event, caps=(("evaluate", 69), ("negotiate", 39))),
    # --- Process: how they evaluate, select, approve and buy, on the customer's timeline ---
    Rule("proc.go_live_set", P, EARN,
         "The customer's go-live date is recorded.",
         "The finish line is their go-live, not our signature; the close plan is built back from it.",
         "proc_go_live", c.go_live_set, points=10),
    Rule("proc.budget_identified", P, EARN,
         "The budget is identified or approved.",
         "Buyers lower down often do not know whether the money is really there.",
         "proc_budget", c.budget_identified, points=10),
    Rule("proc.budget_approved", P, EARN,
         "The budget is approved.",
         "Permission to investigate is not permission to buy.",
         "proc_budget", c.budget_approved, points=5, from_stage="propose"),
    Rule("proc.close_plan", P, EARN,
         "A close plan exists.",
         "The close plan turns the customer's timeline into the steps that must happen before it.",
         "proc_close_plan", c.close_plan, points=15, from_stage="evaluate"),
    Rule("proc.plan_on_track", P, EARN,
         "The close plan is feasible and no milestone is overdue.",
         "A plan that cannot reach go-live forecasts a slip.",
         "proc_plan_on_track", c.plan_on_track, points=15, from_stage="evaluate"),
    Rule("proc.plan_validated", P, EARN,
         "Someone who can sign (economic buyer, decision maker, procurement or legal on the deal) validated "
         "the close plan and it has not changed since.",
         "A plan the customer confirmed is their date, not our hope; forecast on it with confidence.",
         "proc_plan_validated", c.plan_validated, points=20, from_stage="propose"),
    Rule("proc.approvers_mapped", P, EARN,
         "Someone from procurement or legal is on the map.",
         "After the decision come procurement and legal; not knowing them is how signed-off deals slip.",
         "proc_procurement", c.approvers_mapped, points=5, from_stage="propose"),
    Rule("proc.answer_evaluation", P, ANSWER,
         "No data check: the answer and its evidence stand on their own.",
         "Being aligned with how they evaluate and select is the first half of process.",
         "proc_evaluation", None, points=10, from_stage="discover"),
    Rule("proc.answer_approval", P, ANSWER,
         "Contradicted when no economic buyer or decision maker is on the map.",
         "An approval path without the approver on the map is a guess.",
         "proc_approval", c.no_power_on_map, points=5, from_stage="evaluate"),
    Rule("proc.answer_procurement", P, ANSWER,
         "Contradicted when nobody from procurement or legal is on the map.",
         "Knowing the procurement process means knowing who runs it.",
         "proc_procurement", c.no_procurement_mapped, points=5, from_stage="propose"),
    Rule("proc.go_live_before_close", P, PENALTY,
         "The go-live date is earlier than the expected close date.",
         "The customer cannot be live before they buy: one of the two dates is wrong.",
         "proc_go_live", c.go_live_before_close, points=15),
    Rule("proc.budget_unknown_late", P, PENALTY,
         "The budget is still unknown.",
         "A proposal without a known budget is a price quote sent into the dark.",
         "proc_budget", c.budget_unknown_late, points=15, from_stage="propose"),
    Rule("proc.wishful_close", P, CAP,
         "The expected close date is earlier than the close plan's earliest possible signing.",
         "A close date the customer's process cannot reach is wishful thinking, however strong the rest.",
         "proc_close_date", c.wishful_close, caps=(("qualify", 69),)),
    Rule("proc.close_after_sign_by", P, CAP,
         "The expected close date is later than the close plan's sign-by date.",
         "Signing that late means the customer misses their own go-live.",
         "proc_close_date", c.close_after_sign_by, caps=(("qualify", 69),)),
    Rule("proc.no_approval_step", P, CAP,
         "The close plan has no customer approval step left after the decision: no procurement and no legal "
         "review (an executive approval alone does not count).",
         "After the decision come the approvals; a plan that skips them forecasts a signature that will slip.",
         "proc_approval", c.no_approval_step, caps=(("propose", 69),)),
    Rule("proc.validated_without_authority", P, CAP,
         "The close plan was validated only by someone who cannot sign: not an economic buyer, decision maker, "
         "procurement or legal on the deal.",
         "Lower down, people often do not know the approval gates; their yes does not make the date the "
         "customer's.",
         "proc_plan_validated", c.validated_without_authority, caps=(("qualify", 69),)),
    Rule("proc.plan_infeasible", P, PENALTY,
         "The close plan is not feasible (negative slack).",
         "The plan already says the go-live date cannot be met.",
         "proc_plan_on_track", c.plan_infeasible, points=10),
    Rule("proc.overdue_milestones", P, PENALTY,
         "A close-plan milestone is overdue.",
         "An overdue step pushes every step after it.",
         "proc_plan_on_track", c.overdue_milestones, points=10),
    Rule("proc.close_date_passed", P, PENALTY,
         "The expected close date is in the past and the deal is still open.",
         "A passed close date was our date, not the customer's.",
         "proc_close_date", c.close_date_passed, points=10),
    Rule("proc.reference_before_commitment", P, PENALTY,
         "A reference check was logged (an activity of kind reference check, or a synced activity whose "
         "subject speaks of references) before the buyer answered 'yes' to going ahead if they check out.",
         "References belong at the end, once the buyer has committed; early ones wear out our customers.",
         "proc_reference_timing", c.reference_before_commitment, points=10),
    Rule("proc.no_close_plan", P, CAP,
         "There is no close plan.",
         "Late in a deal, no close plan means the forecast date is a guess.",
         "proc_close_plan", c.no_close_plan, caps=(("propose", 69), ("negotiate", 39))),
    Rule("proc.plan_not_validated", P, CAP,
         "A close plan exists but the customer has not validated its current version.",
         "In Negotiate the customer should have confirmed the dates.",
         "proc_plan_validated", c.plan_not_validated, caps=(("negotiate", 69),)),
)

RULES_BY_DIMENSION: dict[str, tuple[Rule, ...]] = {
    dim: tuple(r for r in RULES if r.dimension == dim) for dim in (R, S, V, P)
}
