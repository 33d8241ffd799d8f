"""The four deal anchors: budget, timeline, compelling event, success criteria.

Each anchor is present, missing or inconsistent. `ANCHOR_CHECKS` is read in
order; the first check that fires decides the state, and when none fires the
anchor is present. `docs/coaching.md` lists the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from coaching.rsvp.deal_view import DealView, is_generic_claim, quote, stage_name

ANCHORS: tuple[str, ...] = ("budget", "timeline", "compelling_event", "success_criteria")
MISSING, INCONSISTENT, PRESENT = "missing", "inconsistent", "present"


@dataclass(frozen=True)
class AnchorCheck:
    anchor: str
    state: str  # MISSING or INCONSISTENT
    condition: str
    check: Callable[[DealView], str | None]  # the reason when the check fires


def _money(amount, currency: str) -> str:
    return f"{amount:,.0f} {currency}".strip()


def _budget_unknown_late(v: DealView):
    if v.facts.budget_status == "unknown" and v.level >= 4:
        return f"The budget is still unknown, yet the deal is at {stage_name(v.level)}."
    return None


def _budget_unknown(v: DealView):
    return "The budget is unknown." if v.facts.budget_status not in ("identified", "approved") else None


def _budget_below_amount(v: DealView):
    f = v.facts
    if f.budget_amount is not None and f.amount is not None and f.budget_amount < f.amount:
        return (
            f"The budget ({_money(f.budget_amount, f.currency)}) is below the deal amount "
            f"({_money(f.amount, f.currency)})."
        )
    return None


def _no_go_live(v: DealView):
    return None if v.facts.go_live_date else "The customer's go-live date is not recorded."


def _go_live_before_close(v: DealView):
    f = v.facts
    if f.expected_close_date and f.go_live_date < f.expected_close_date:
        return (
            f"Go-live {f.go_live_date} comes before the expected close {f.expected_close_date}: "
            "the customer cannot be live before they sign."
        )
    return None


def _go_live_passed(v: DealView):
    f = v.facts
    if f.go_live_date < f.as_of:
        return f"The go-live date {f.go_live_date} has already passed."
    return None


def _plan_misses_go_live(v: DealView):
    plan = v.facts.plan
    if plan is not None and not plan.feasible:
        return f"The close plan cannot reach go-live on {v.facts.go_live_date}."
    return None


def _no_event(v: DealView):
    if v.facts.compelling_event.strip():
        return None
    if v.facts.consequence_if_missed.strip():
        return "A consequence is written down, but not the event it hangs on."
    return "No compelling event is recorded."


def _event_without_consequence(v: DealView):
    if not v.facts.consequence_if_missed.strip():
        return "There is an event, but nothing says what happens if the date is missed."
    return None


def _no_criteria(v: DealView):
    return None if v.facts.success_criteria.strip() else "No success criteria are recorded."


def _generic_criteria(v: DealView):
    if is_generic_claim(v.facts.success_criteria):
        return f"The success criteria are generic with nothing to measure: {quote(v.facts.success_criteria)}."
    return None


ANCHOR_CHECKS: tuple[AnchorCheck, ...] = (
    AnchorCheck("budget", INCONSISTENT, "Budget unknown at Propose or later.", _budget_unknown_late),
    AnchorCheck("budget", MISSING, "Budget status is unknown.", _budget_unknown),
    AnchorCheck("budget", INCONSISTENT, "Budget amount is below the deal amount.", _budget_below_amount),
    AnchorCheck("timeline", MISSING, "No customer go-live date.", _no_go_live),
    AnchorCheck("timeline", INCONSISTENT, "Go-live date is before the expected close date.", _go_live_before_close),
    AnchorCheck("timeline", INCONSISTENT, "Go-live date is in the past on an open deal.", _go_live_passed),
    AnchorCheck("timeline", INCONSISTENT, "The close plan is not feasible for the go-live date.", _plan_misses_go_live),
    AnchorCheck("compelling_event", MISSING, "No compelling event recorded.", _no_event),
    AnchorCheck("compelling_event", INCONSISTENT, "A compelling event with no consequence if missed.",
                _event_without_consequence),
    AnchorCheck("success_criteria", MISSING, "No success criteria recorded.", _no_criteria),
    AnchorCheck("success_criteria", INCONSISTENT, "Success criteria are a generic claim with no number.",
                _generic_criteria),
)


def _present_reason(anchor: str, v: DealView) -> str:
    f = v.facts
    if anchor == "budget":
        amount = f" ({_money(f.budget_amount, f.currency)})" if f.budget_amount is not None else ""
        return f"Budget {f.budget_status}{amount}."
    if anchor == "timeline":
        return f"The customer needs to be live by {f.go_live_date}."
    if anchor == "compelling_event":
        return f"{quote(f.compelling_event, 80)}; if missed: {quote(f.consequence_if_missed, 80)}."
    return f"Measured by {quote(f.success_criteria, 120)}."


def assess_anchors(v: DealView) -> dict[str, tuple[str, str]]:
    """anchor -> (state, reason)."""
    result: dict[str, tuple[str, str]] = {}
    for check in ANCHOR_CHECKS:
        if check.anchor in result:
            continue
        reason = check.check(v)
        if reason is not None:
            result[check.anchor] = (check.state, reason)
    for anchor in ANCHORS:
        if anchor not in result:
            result[anchor] = (PRESENT, _present_reason(anchor, v))
    return {anchor: result[anchor] for anchor in ANCHORS}
