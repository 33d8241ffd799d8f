"""Checks behind the RSVP rules in `coaching.rsvp.rules`, one small function per rule.

EARN checks return `(met, text)`: the evidence when met, the gap's reason when not.
ANSWER checks return the data that contradicts a "yes" (or None).
PENALTY and CAP checks return the reason when the rule fires (or None).

An empty reason ("") means the rule fires but has nothing to add: a more basic
missing fact already explains it (no close plan, so it is neither on track nor
validated), and that fact's gap is the one to show. The points are lost all the same.
"""

from __future__ import annotations

# Who can validate a close plan for the customer (DESIGN: "validated by someone who can sign"):
# the close plan's own rule, so the plan pages and the coaching never disagree.
from coaching.closeplan.schedule import SIGNING_ROLES
from coaching.rsvp.deal_view import (
    DealView,
    describe,
    is_quantified_value,
    names,
    quote,
    stage_name,
)

# The customer's gates after the decision, in the default close-plan template: procurement and legal.
POST_DECISION_GATES = frozenset({"procurement", "legal_review"})

# --- Relationships ------------------------------------------------------------------------------


def power_identified(v: DealView):
    if v.power:
        return True, f"Economic buyer / decision maker on the map: {names(v.power)}."
    return False, "No economic buyer or decision maker is on the deal's map."


def power_engaged(v: DealView):
    if v.engaged_power:
        r = v.engaged_power[0]
        return True, f"{describe(r)} took part in an activity on {v.engaged_on(r)}."
    if v.power:
        r = v.power[0]
        last = v.engaged_on(r)
        if last:
            return False, f"{describe(r)} last took part in an activity on {last}, more than {v.window} days ago."
        return False, f"{describe(r)} is on the map but has not taken part in any logged activity."
    return False, f"Nobody who can say yes has taken part in an activity in the last {v.window} days."


def champion(v: DealView):
    if v.engaged_champions:
        return True, f"Engaged champion: {names(v.engaged_champions)}."
    if v.champions:
        return False, f"{names(v.champions)} could champion the deal but has not been engaged in {v.window} days."
    return False, "No champion or coach who supports us is on the map."


def threads(n: int):
    def check(v: DealView):
        if len(v.engaged) >= n:
            return True, f"{len(v.engaged)} stakeholders engaged in the last {v.window} days."
        return False, f"Only {len(v.engaged)} stakeholder(s) engaged in the last {v.window} days; this needs {n}."

    return check


def senior_access(v: DealView):
    if v.engaged_senior:
        return True, f"Senior access: {names(v.engaged_senior)}."
    return False, f"No VP or C-level stakeholder engaged in the last {v.window} days."


def no_power_on_map_or_engaged(v: DealView):
    if not v.power:
        return "no economic buyer or decision maker is on the deal's map"
    if not v.engaged_power:
        return f"no economic buyer or decision maker has taken part in an activity in {v.window} days"
    return None


def weak_relationships(v: DealView):
    if not v.facts.roles:
        return "no stakeholder is on the deal's map"
    if all(r.strength <= 2 for r in v.facts.roles):
        return "every stakeholder on the map has a relationship strength of 2 or less"
    return None


def no_competition_recorded(v: DealView):
    if not v.rivals and not any(r.leans_to_competitor for r in v.facts.roles):
        return "no competitor besides do nothing is recorded and nobody is marked as leaning to one"
    return None


def only_below_power(v: DealView):
    if v.engaged and not v.engaged_power and not v.directors_or_above_engaged():
        return (
            f"Every engaged contact is below director level ({names(v.engaged)}); "
            "nobody who can say yes is in the conversation."
        )
    return None


def power_leans_competitor(v: DealView):
    leaning = [r for r in v.facts.roles if r.leans_to_competitor and (r.role in ("economic_buyer", "decision_maker") or r.influence == "high")]
    if leaning:
        return f"{names(leaning)} leans to a competitor."
    return None


def no_engaged_power(v: DealView):
    if not v.engaged_power:
        return f"{power_engaged(v)[1]} By {stage_name(v.level)} the person who can say yes should be in the conversation."
    return None


def single_threaded(v: DealView):
    if len(v.engaged) < 2:
        return f"Single-threaded: {len(v.engaged)} stakeholder(s) engaged in {v.window} days at {stage_name(v.level)}."
    return None


# --- Strategy -----------------------------------------------------------------------------------


def strategy_chosen(v: DealView):
    if v.strategy_chosen:
        return True, f"Competitive strategy: {v.facts.strategy}."
    return False, "No competitive strategy (direct, indirect, divisional or containment) is chosen."


def case_against_do_nothing(v: DealView):
    f = v.facts
    if not v.has_do_nothing:
        return False, "Do nothing is not treated as a competitor, yet it is the one every deal faces."
    if not f.compelling_event.strip() or not f.consequence_if_missed.strip():
        return False, ""  # the missing reason to act now is Value's compelling-event gap
    return True, "Against do nothing: a compelling event, and what waiting would cost them."


def rivals_known(v: DealView):
    if v.rivals:
        return True, f"Competitors besides do nothing: {', '.join(v.rivals)}."
    return False, "No competitor besides do nothing is named."


def strategy_rationale(v: DealView):
    if v.strategy_chosen and v.facts.strategy_notes.strip():
        return True, f"Why the {v.facts.strategy} strategy wins: {quote(v.facts.strategy_notes)}."
    if v.strategy_chosen:
        return False, f"The {v.facts.strategy} strategy has no written reason why it will win."
    return False, "No strategy, so no reason why it will win."


def opposition_covered(v: DealView):
    if not v.facts.roles:
        return False, "Nobody is on the political map, so blockers are unknown."
    if not v.threats:
        return True, "No high-influence blocker, opponent or competitor's ally on the map."
    if v.high_allies:
        return True, f"{names(v.threats)} against us, balanced by {names(v.high_allies)}."
    return False, f"{_threat_names(v.threats)}; no high-influence ally offsets them."


def no_roles(v: DealView):
    return "no stakeholder is on the deal's map" if not v.facts.roles else None


def uncovered_threats(v: DealView):
    if v.threats and not v.high_allies:
        return f"{_threat_names(v.threats)}, with high influence, and no high-influence ally offsets them"
    return None


def hostile_influencers(v: DealView):
    hostile = [r for r in v.threats if r.role == "influencer"]
    if hostile:
        return f"{_threat_names(hostile)}, with high influence on the decision"
    return None


def _threat_names(roles) -> str:
    """ "Boris Ulm (blocker, VP Operations) opposes us" — what makes each person a threat."""
    parts = []
    for r in roles[:3]:
        why = []
        if r.role == "blocker":
            why.append("can block the deal")
        if r.stance == "opponent":
            why.append("opposes us")
        if r.leans_to_competitor:
            why.append("leans to a competitor")
        parts.append(f"{describe(r)} {' and '.join(why)}")
    more = f" (and {len(roles) - 3} more)" if len(roles) > 3 else ""
    return "; ".join(parts) + more


def no_reason_to_act_now(v: DealView):
    if not v.has_do_nothing:
        return "do nothing is not listed among the competitors"
    if not v.facts.compelling_event.strip():
        return "no compelling event is recorded, so nothing says why they must act now"
    return None


def no_sound_strategy(v: DealView):
    if not v.strategy_chosen:
        return "no competitive strategy is chosen on the deal"
    if v.facts.strategy == "direct" and not v.facts.strategy_notes.strip():
        return "the strategy is direct but no advantage is written down"
    return None


def direct_without_advantage(v: DealView):
    if v.facts.strategy == "direct" and not v.facts.strategy_notes.strip():
        return "A direct, head-to-head strategy with no stated advantage the customer recognises."
    return None


def direct_against_leaning_power(v: DealView):
    if v.facts.strategy != "direct":
        return None
    leaning = [r for r in v.power if r.leans_to_competitor]
    if leaning:
        return f"Going head-to-head while {names(leaning)} leans to a competitor."
    return None


def no_strategy(v: DealView):
    if not v.strategy_chosen:
        return f"No competitive strategy at {stage_name(v.level)}."
    return None


# --- Value --------------------------------------------------------------------------------------


def value_stated(v: DealView):
    if v.facts.business_value.strip():
        return True, f"Business value: {quote(v.facts.business_value)}."
    return False, "No business value is written on the deal."


def value_quantified(v: DealView):
    if v.value_quantified:
        return True, "The business value is quantified in an outcome the customer measures."
    if not v.facts.business_value.strip():
        return False, ""  # no business value at all: the value.stated gap says so
    return False, unquantified_value_reason(v)


def unquantified_value_reason(v: DealView) -> str:
    text = quote(v.facts.business_value)
    if v.value_is_generic:
        return f"The value is a generic claim with nothing measured: {text}."
    if v.value_has_number:
        return (f"The business value has figures, but none is a result the customer measures "
                f"(money, time, a rate): {text}.")
    return f"The business value has no figure the customer measures: {text}."


def compelling_event(v: DealView):
    if v.facts.compelling_event.strip():
        return True, f"Compelling event: {quote(v.facts.compelling_event)}."
    return False, "No compelling event: nothing says why they must act now."


def consequence(v: DealView):
    if v.facts.consequence_if_missed.strip():
        return True, f"If the date is missed: {quote(v.facts.consequence_if_missed)}."
    return False, "Nothing says what happens to the customer if the date is missed."


def success_criteria(v: DealView):
    criteria = v.facts.success_criteria
    if is_quantified_value(criteria):
        return True, f"Success criteria: {quote(criteria)}."
    if criteria.strip():
        return False, f"The success criteria give nothing to measure (no figure the customer tracks): {quote(criteria)}."
    return False, "No success criteria: we don't know how the customer will measure success."


def no_value(v: DealView):
    return None if v.facts.business_value.strip() else "no business value is written on the deal"


def no_number(v: DealView):
    if not v.facts.business_value.strip():
        return "no business value is written on the deal"
    if not v.value_quantified:
        return "the business value has no figure the customer measures"
    return None


def generic_value(v: DealView):
    return unquantified_value_reason(v) if v.value_is_generic else None


def event_without_consequence(v: DealView):
    if v.facts.compelling_event.strip() and not v.facts.consequence_if_missed.strip():
        return "A compelling event with no consequence is a date, not a reason."
    return None


def not_quantified(v: DealView):
    if v.value_quantified:
        return None
    if not v.facts.business_value.strip():
        return ""  # the value.stated gap says so
    return f"{unquantified_value_reason(v)} At {stage_name(v.level)} that invites a price fight."


def no_compelling_event(v: DealView):
    if not v.facts.compelling_event.strip():
        return f"No compelling event at {stage_name(v.level)}."
    return None


# --- Process ------------------------------------------------------------------------------------


def go_live_set(v: DealView):
    if v.facts.go_live_date:
        return True, f"Customer go-live date: {v.facts.go_live_date}."
    return False, "No customer go-live date."


def budget_identified(v: DealView):
    if v.facts.budget_status in ("identified", "approved"):
        return True, f"Budget {v.facts.budget_status}."
    return False, "The budget is unknown."


def budget_approved(v: DealView):
    if v.facts.budget_status == "approved":
        return True, "Budget approved."
    return False, f"The budget is {v.facts.budget_status}, not approved."


def close_plan(v: DealView):
    if v.facts.plan is not None:
        return True, "A close plan is built back from the go-live date."
    return False, "No close plan."


def plan_on_track(v: DealView):
    plan = v.facts.plan
    if plan is None:
        return False, ""  # the no-close-plan gap says so
    if not plan.feasible:
        return False, f"The close plan cannot make the go-live date (slack {plan.min_slack} business days)."
    if plan.overdue_milestone_keys:
        return False, f"Overdue milestones: {', '.join(plan.overdue_milestone_keys)}."
    return True, f"The close plan is feasible with {plan.min_slack} business days of slack."


def plan_validated(v: DealView):
    plan = v.facts.plan
    if plan is None:
        return False, ""  # the no-close-plan gap says so
    if plan.validated and plan.changed_since_validation:
        return False, "The customer validated the close plan, but it has changed since."
    if plan.validated and (reason := validated_without_authority(v)):
        return False, reason
    if plan.validated:
        who = f" ({quote(_validator(v), 60)})" if _validator(v) else ""
        return True, f"Someone who can sign validated the close plan{who}."
    return False, "The customer has not validated the close plan."


def _validator(v: DealView) -> str:
    return " ".join(str(getattr(v.facts.plan, "validated_by_name", "") or "").split())


def validated_without_authority(v: DealView):
    """The plan is confirmed, but not by anyone who can buy: only an economic buyer, decision maker,
    procurement or legal on the deal counts. The plan records the confirming name; the map says who it is."""
    plan = v.facts.plan
    if plan is None or not plan.validated or plan.changed_since_validation:
        return None
    name = _validator(v).casefold()
    # A buyer who proved their address on the share link is known by id; a typed name is matched.
    proven_id = getattr(plan, "validated_by_stakeholder_id", None)
    if proven_id is not None:
        people = [r for r in v.facts.roles if r.stakeholder_id == proven_id]
    else:
        people = [r for r in v.facts.roles if " ".join(r.name.split()).casefold() == name] if name else []
    if any(r.role in SIGNING_ROLES for r in people):
        return None
    shown = quote(_validator(v), 60) if name else "someone unnamed"
    if people:
        return (f"The close plan was confirmed by {describe(people[0])}, who cannot sign: not an economic buyer, "
                "decision maker, procurement or legal on the deal.")
    return (f"The close plan was confirmed by {shown}, who is not on the deal's map as an economic buyer, "
            "decision maker, procurement or legal.")


def no_approval_step(v: DealView):
    """A plan with nothing left between the customer's decision and the signature: no procurement and no
    legal review step (an executive approval alone is the decision, not the gates after it)."""
    plan = v.facts.plan
    keys = getattr(plan, "milestone_keys", None) if plan is not None else None
    if not keys:  # no plan, or a summary that does not list its milestones
        return None
    if POST_DECISION_GATES.isdisjoint(keys):
        left = "only the executive approval" if "executive_approval" in keys else "no approval step"
        return (f"The close plan has {left} left, no procurement or legal review, at {stage_name(v.level)}: "
                "nothing between the customer's decision and the signature, where signed-off deals slip.")
    return None


def approvers_mapped(v: DealView):
    mapped = [r for r in v.facts.roles if r.role in ("procurement", "legal")]
    if mapped:
        return True, f"Procurement / legal on the map: {names(mapped)}."
    return False, "Nobody from procurement or legal is on the map."


def no_procurement_mapped(v: DealView):
    if not any(r.role in ("procurement", "legal") for r in v.facts.roles):
        return "nobody from procurement or legal is on the deal's map"
    return None


def no_power_on_map(v: DealView):
    return None if v.power else "no economic buyer or decision maker is on the deal's map"


def go_live_before_close(v: DealView):
    f = v.facts
    if f.go_live_date and f.expected_close_date and f.go_live_date < f.expected_close_date:
        return f"Go-live ({f.go_live_date}) is before the expected close ({f.expected_close_date})."
    return None


def budget_unknown_late(v: DealView):
    if v.facts.budget_status == "unknown":
        return f"The budget is still unknown at {stage_name(v.level)}."
    return None


def wishful_close(v: DealView):
    f, plan = v.facts, v.facts.plan
    if plan and f.expected_close_date and plan.earliest_signing and f.expected_close_date < plan.earliest_signing:
        return (
            f"Wishful close date: expected {f.expected_close_date}, but the close plan cannot reach "
            f"signing before {plan.earliest_signing}."
        )
    return None


def close_after_sign_by(v: DealView):
    f, plan = v.facts, v.facts.plan
    if plan and f.expected_close_date and plan.sign_by and f.expected_close_date > plan.sign_by:
        return (
            f"Expected close {f.expected_close_date} is after {plan.sign_by}, the last day to sign "
            "and still make the customer's go-live."
        )
    return None


def plan_infeasible(v: DealView):
    plan = v.facts.plan
    if plan and not plan.feasible:
        return f"The close plan is not feasible: {-(plan.min_slack or 0)} business days short of go-live."
    return None


def overdue_milestones(v: DealView):
    plan = v.facts.plan
    if plan and plan.overdue_milestone_keys:
        return f"Close-plan milestones overdue: {', '.join(plan.overdue_milestone_keys)}."
    return None


def close_date_passed(v: DealView):
    f = v.facts
    if f.expected_close_date and f.expected_close_date < f.as_of:
        return f"The expected close date {f.expected_close_date} has passed and the deal is still open."
    return None


def reference_before_commitment(v: DealView):
    activity = v.reference_activity
    if activity is None:
        return None
    answer = v.facts.answers.get("proc_reference_timing")
    if answer is not None and answer.answer == "yes":
        return None
    return (
        f"References were in play on {activity.occurred_on} ({quote(activity.subject or activity.kind, 60)}) "
        "before the buyer committed to go ahead if they check out."
    )


def no_close_plan(v: DealView):
    if v.facts.plan is None:
        return f"No close plan at {stage_name(v.level)}."
    return None


def plan_not_validated(v: DealView):
    plan = v.facts.plan
    if plan is not None and not (plan.validated and not plan.changed_since_validation):
        return f"The close plan is not validated by the customer at {stage_name(v.level)}."
    return None
