"""The order in which a manager should raise a deal's gaps, across all four
dimensions. `docs/coaching.md` prints this table.

It follows the seeds ("Winning Big Deals"): the cardinal sin is selling to the
people who can say no but not to those who can say yes, so that comes first;
then whatever can beat us — a blocker, a competitor, and above all *do
nothing* when there is no reason to act now; then value the customer defined
and quantified; then the rest of the relationships and the plan for them; then
how they evaluate, approve and buy; and the close plan last, "if all elements
of RSVP are covered". Within a tier the most severe gap comes first (a cap
before a penalty before a missing fact before a weak answer: caps and
penalties already rise with the stage), then the order below.
"""

from __future__ import annotations

PRIORITY_TIERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("The people who can say yes", ("rel_economic_buyer", "rel_senior_level")),
    ("Blockers, competitors and a reason to act now", (
        "strat_blockers", "strat_do_nothing", "value_compelling_event", "strat_competitive", "strat_rivals",
        "rel_competitor_map", "strat_influencers",
    )),
    ("Value the customer defined and quantified", (
        "value_customer_defined", "value_quantified", "value_business_case", "value_success_criteria",
        "value_unique",
    )),
    ("The rest of the relationships and the plan for them", (
        "rel_champion", "rel_multithreaded", "rel_integrity", "strat_people_plan",
    )),
    ("How they evaluate, approve and buy", (
        "proc_evaluation", "proc_budget", "proc_approval", "proc_procurement", "proc_go_live",
        "proc_reference_timing",
    )),
    ("The close plan, once the rest is covered", (
        "proc_close_plan", "proc_close_date", "proc_plan_on_track", "proc_plan_validated",
    )),
)

# question key -> (tier, position in the table); a key an admin added later sorts last.
QUESTION_PRIORITY: dict[str, tuple[int, int]] = {}
for _tier, (_label, _keys) in enumerate(PRIORITY_TIERS):
    for _key in _keys:
        QUESTION_PRIORITY[_key] = (_tier, len(QUESTION_PRIORITY))
UNRANKED = (len(PRIORITY_TIERS), 999)
