"""Hand-checked cases for the close-plan scheduling rules (DESIGN.md, "Close plan").

Calendar used below (2025): June 2 is a Monday; so are June 9, 16, 23, 30,
July 7, 14, 21, 28, August 4, 11, 18, 25, September 1, 8 and 15.
No database: the module is plain Python.
"""

import datetime as dt
import random

import pytest

from coaching.closeplan.schedule import (
    BusinessCalendar,
    MilestoneInput,
    ScheduleError,
    schedule_plan,
    summarize,
)
from coaching.closeplan.templates_default import DEFAULT_TEMPLATE


def d(month, day, year=2025):
    return dt.date(year, month, day)


def ms(key, days, *deps, done_on=None):
    return MilestoneInput(key, key.title(), "both", days, tuple(deps), done_on)


def dates(schedule, key):
    m = schedule.milestone(key)
    return (m.latest_start, m.latest_finish, m.earliest_start, m.earliest_finish, m.slack_days)


# --- weekends -----------------------------------------------------------------


def test_it_skips_weekends_both_ways():
    plan = schedule_plan(
        go_live_date=d(6, 11),  # Wednesday
        milestones=[ms("a", 3), ms("go_live", 0, "a")],
        as_of=d(6, 2),  # Monday
    )
    # Back from Wed 11: Tue 10, Mon 9, (weekend), Fri 6.
    assert dates(plan, "a") == (d(6, 6), d(6, 11), d(6, 2), d(6, 5), 4)
    # Mon 2 + 3 = Thu 5; slack Thu 5, Fri 6, Mon 9, Tue 10.
    assert dates(plan, "go_live") == (d(6, 11), d(6, 11), d(6, 5), d(6, 5), 4)
    assert plan.min_slack == 4
    assert plan.feasible


def test_it_rolls_an_as_of_on_a_weekend_forward_to_monday():
    plan = schedule_plan(
        go_live_date=d(6, 20),
        milestones=[ms("a", 2), ms("go_live", 0, "a")],
        as_of=d(6, 7),  # Saturday
    )
    a = plan.milestone("a")
    assert (a.earliest_start, a.earliest_finish) == (d(6, 9), d(6, 11))


def test_it_counts_back_from_the_friday_before_a_saturday_go_live():
    plan = schedule_plan(
        go_live_date=d(6, 14),  # Saturday
        milestones=[ms("a", 2), ms("go_live", 0, "a")],
        as_of=d(6, 7),  # Saturday: today is Monday 9
    )
    # go_live: latest finish is the Saturday itself, latest start the Friday before.
    assert dates(plan, "go_live") == (d(6, 13), d(6, 14), d(6, 11), d(6, 11), 2)
    # a: back 2 from Fri 13 is Wed 11; forward from Mon 9 is Wed 11.
    assert dates(plan, "a") == (d(6, 11), d(6, 13), d(6, 9), d(6, 11), 2)


def test_it_counts_from_the_business_day_before_a_latest_finish_on_a_weekend():
    # `a` has no dependents, so its latest finish is the go-live date (a Saturday).
    plan = schedule_plan(go_live_date=d(6, 14), milestones=[ms("a", 3)], as_of=d(6, 2))
    a = plan.milestone("a")
    # Fri 13 is the business day before; back 3: Thu 12, Wed 11, Tue 10.
    assert (a.latest_start, a.latest_finish) == (d(6, 10), d(6, 14))


# --- holidays -----------------------------------------------------------------


def test_it_skips_holidays():
    plan = schedule_plan(
        go_live_date=d(6, 11),
        milestones=[ms("a", 3), ms("go_live", 0, "a")],
        as_of=d(6, 2),
        holidays={d(6, 9)},  # Monday
    )
    # Back from Wed 11: Tue 10, (Mon 9 holiday), Fri 6, Thu 5.
    assert dates(plan, "a") == (d(6, 5), d(6, 11), d(6, 2), d(6, 5), 3)
    # Slack Thu 5, Fri 6, Tue 10.
    assert dates(plan, "go_live") == (d(6, 11), d(6, 11), d(6, 5), d(6, 5), 3)


def test_it_rolls_a_holiday_go_live_and_a_holiday_as_of():
    plan = schedule_plan(
        go_live_date=d(6, 13),  # Friday, a holiday
        milestones=[ms("a", 1), ms("go_live", 0, "a")],
        as_of=d(6, 9),  # Monday, a holiday: today is Tuesday 10
        holidays={d(6, 9), d(6, 13)},
    )
    assert dates(plan, "go_live") == (d(6, 12), d(6, 13), d(6, 11), d(6, 11), 1)
    assert dates(plan, "a") == (d(6, 11), d(6, 12), d(6, 10), d(6, 11), 1)


# --- parallel branches ----------------------------------------------------------


PARALLEL = [
    ms("start", 2),
    ms("long", 5, "start"),
    ms("short", 2, "start"),
    ms("end", 1, "long", "short"),
    ms("go_live", 0, "end"),
]


def test_it_makes_only_the_longer_parallel_branch_critical():
    plan = schedule_plan(go_live_date=d(6, 27), milestones=PARALLEL, as_of=d(6, 2))

    assert dates(plan, "go_live") == (d(6, 27), d(6, 27), d(6, 12), d(6, 12), 11)
    assert dates(plan, "end") == (d(6, 26), d(6, 27), d(6, 11), d(6, 12), 11)
    assert dates(plan, "long") == (d(6, 19), d(6, 26), d(6, 4), d(6, 11), 11)
    assert dates(plan, "short") == (d(6, 24), d(6, 26), d(6, 4), d(6, 6), 14)
    # start must finish before the earlier of its dependents' latest starts (long: 19).
    assert dates(plan, "start") == (d(6, 17), d(6, 19), d(6, 2), d(6, 4), 11)

    assert plan.min_slack == 11
    assert plan.critical_keys == ("start", "long", "end", "go_live")
    assert not plan.milestone("short").critical


# --- done milestones ------------------------------------------------------------


def test_it_uses_the_actual_date_of_a_done_milestone():
    milestones = [ms("start", 2, done_on=d(6, 3)), *PARALLEL[1:]]
    plan = schedule_plan(go_live_date=d(6, 27), milestones=milestones, as_of=d(6, 5))

    # Finished Tue 3, shown as having taken its 2 days (Fri 30 May, Mon 2).
    assert dates(plan, "start") == (d(6, 17), d(6, 19), d(5, 30), d(6, 3), 12)
    # No unfinished predecessor: long and short start today (Thu 5).
    assert dates(plan, "long") == (d(6, 19), d(6, 26), d(6, 5), d(6, 12), 10)
    assert dates(plan, "short") == (d(6, 24), d(6, 26), d(6, 5), d(6, 9), 13)
    assert dates(plan, "end") == (d(6, 26), d(6, 27), d(6, 12), d(6, 13), 10)
    assert dates(plan, "go_live") == (d(6, 27), d(6, 27), d(6, 13), d(6, 13), 10)
    assert plan.min_slack == 10
    assert plan.critical_keys == ("long", "end", "go_live")


def test_it_does_not_let_a_milestone_finished_late_make_the_rest_infeasible():
    plan = schedule_plan(
        go_live_date=d(6, 20),  # Friday
        milestones=[
            ms("a", 2, done_on=d(6, 18)),  # latest finish was Tue 17: a day late
            ms("b", 3, "a", done_on=d(6, 19)),  # caught up
            ms("go_live", 0, "b"),
        ],
        as_of=d(6, 19),
    )
    assert dates(plan, "a") == (d(6, 13), d(6, 17), d(6, 16), d(6, 18), -1)
    assert dates(plan, "b") == (d(6, 17), d(6, 20), d(6, 16), d(6, 19), 1)
    assert dates(plan, "go_live") == (d(6, 20), d(6, 20), d(6, 19), d(6, 19), 1)
    assert not plan.milestone("a").critical
    assert plan.min_slack == 1
    assert plan.critical_keys == ("go_live",)
    assert plan.feasible


def test_it_has_no_minimum_slack_when_everything_is_done():
    plan = schedule_plan(
        go_live_date=d(6, 20),
        milestones=[ms("a", 2, done_on=d(6, 3)), ms("go_live", 0, "a", done_on=d(6, 20))],
        as_of=d(6, 23),
    )
    assert plan.min_slack is None
    assert plan.feasible
    assert plan.critical_keys == ()


# --- infeasible -----------------------------------------------------------------


def test_it_reports_negative_slack_and_infeasibility_when_go_live_is_too_close():
    plan = schedule_plan(
        go_live_date=d(6, 13),  # Friday
        milestones=[ms("a", 10), ms("go_live", 0, "a")],
        as_of=d(6, 2),
    )
    # Back 10 from Fri 13 is Fri 30 May; the earliest start is Mon 2 June: one day late.
    assert dates(plan, "a") == (d(5, 30), d(6, 13), d(6, 2), d(6, 16), -1)
    assert dates(plan, "go_live") == (d(6, 13), d(6, 13), d(6, 16), d(6, 16), -1)
    assert plan.min_slack == -1
    assert not plan.feasible
    assert plan.critical_keys == ("a", "go_live")


# --- refusals -------------------------------------------------------------------


def test_it_refuses_a_dependency_cycle_naming_the_milestones():
    with pytest.raises(ScheduleError) as caught:
        schedule_plan(
            go_live_date=d(6, 27),
            milestones=[ms("start", 1), ms("a", 1, "start", "c"), ms("b", 1, "a"), ms("c", 1, "b")],
            as_of=d(6, 2),
        )
    assert str(caught.value) == "Dependency cycle: a → b → c → a."
    assert caught.value.field == "depends_on"
    assert caught.value.milestone_keys == ("a", "b", "c")


def test_it_refuses_a_milestone_depending_on_itself():
    with pytest.raises(ScheduleError, match="a → a"):
        schedule_plan(go_live_date=d(6, 27), milestones=[ms("a", 1, "a")], as_of=d(6, 2))


def test_it_refuses_an_unknown_dependency():
    with pytest.raises(ScheduleError) as caught:
        schedule_plan(go_live_date=d(6, 27), milestones=[ms("a", 1, "ghost")], as_of=d(6, 2))
    assert "'a'" in str(caught.value) and "ghost" in str(caught.value)
    assert caught.value.field == "depends_on"
    assert caught.value.milestone_keys == ("a", "ghost")


def test_it_refuses_a_negative_duration():
    with pytest.raises(ScheduleError) as caught:
        schedule_plan(go_live_date=d(6, 27), milestones=[ms("a", -1)], as_of=d(6, 2))
    assert "'a'" in str(caught.value)
    assert caught.value.field == "duration_days"
    assert caught.value.milestone_keys == ("a",)


def test_it_refuses_duplicate_keys():
    with pytest.raises(ScheduleError, match="a"):
        schedule_plan(go_live_date=d(6, 27), milestones=[ms("a", 1), ms("a", 2)], as_of=d(6, 2))


def test_schedule_error_is_a_value_error():
    assert issubclass(ScheduleError, ValueError)


# --- the default template end to end -------------------------------------------


def test_it_schedules_the_default_template():
    plan = schedule_plan(go_live_date=d(9, 15), milestones=DEFAULT_TEMPLATE, as_of=d(6, 2))

    expected = {
        #                   latest_start latest_finish earliest_start earliest_finish slack
        "evaluation": (d(6, 4), d(6, 25), d(6, 2), d(6, 23), 2),
        "reference_check": (d(6, 25), d(6, 30), d(6, 23), d(6, 26), 2),
        "vendor_selected": (d(6, 30), d(7, 3), d(6, 26), d(7, 1), 2),
        "executive_approval": (d(7, 3), d(7, 10), d(7, 1), d(7, 8), 2),
        "legal_review": (d(7, 10), d(7, 24), d(7, 8), d(7, 22), 2),
        "procurement": (d(7, 10), d(7, 24), d(7, 8), d(7, 22), 2),
        "contract_signed": (d(7, 24), d(7, 28), d(7, 22), d(7, 24), 2),
        "kickoff": (d(7, 28), d(8, 4), d(7, 24), d(7, 31), 2),
        "implementation": (d(8, 4), d(9, 15), d(7, 31), d(9, 11), 2),
        "go_live": (d(9, 15), d(9, 15), d(9, 11), d(9, 11), 2),
    }
    assert {m.key: dates(plan, m.key) for m in plan.milestones} == expected
    assert plan.sign_by == d(7, 28)
    assert plan.earliest_signing == d(7, 24)
    assert plan.min_slack == 2
    assert plan.feasible
    assert all(m.critical for m in plan.milestones)


def test_it_schedules_the_default_template_around_holidays():
    holidays = {d(7, 4), d(9, 1)}  # a Friday and a Monday
    plan = schedule_plan(go_live_date=d(9, 15), milestones=DEFAULT_TEMPLATE, as_of=d(6, 2), holidays=holidays)

    expected = {
        "evaluation": (d(6, 2), d(6, 23), d(6, 2), d(6, 23), 0),
        "reference_check": (d(6, 23), d(6, 26), d(6, 23), d(6, 26), 0),
        "vendor_selected": (d(6, 26), d(7, 1), d(6, 26), d(7, 1), 0),
        # Back 5 from Wed 9 July skips Friday 4 July.
        "executive_approval": (d(7, 1), d(7, 9), d(7, 1), d(7, 9), 0),
        "legal_review": (d(7, 9), d(7, 23), d(7, 9), d(7, 23), 0),
        "procurement": (d(7, 9), d(7, 23), d(7, 9), d(7, 23), 0),
        "contract_signed": (d(7, 23), d(7, 25), d(7, 23), d(7, 25), 0),
        "kickoff": (d(7, 25), d(8, 1), d(7, 25), d(8, 1), 0),
        # 30 days back from 15 September skip Monday 1 September.
        "implementation": (d(8, 1), d(9, 15), d(8, 1), d(9, 15), 0),
        "go_live": (d(9, 15), d(9, 15), d(9, 15), d(9, 15), 0),
    }
    assert {m.key: dates(plan, m.key) for m in plan.milestones} == expected
    assert plan.sign_by == plan.earliest_signing == d(7, 25)
    assert plan.feasible

    a_day_later = schedule_plan(
        go_live_date=d(9, 15), milestones=DEFAULT_TEMPLATE, as_of=d(6, 3), holidays=holidays
    )
    assert a_day_later.min_slack == -1
    assert not a_day_later.feasible


def test_the_default_template_matches_the_design():
    assert [(m.key, m.side, m.duration_days, m.depends_on) for m in DEFAULT_TEMPLATE] == [
        ("evaluation", "customer", 15, ()),
        ("reference_check", "customer", 3, ("evaluation",)),
        ("vendor_selected", "customer", 3, ("evaluation", "reference_check")),
        ("executive_approval", "customer", 5, ("vendor_selected",)),
        ("legal_review", "both", 10, ("executive_approval",)),
        ("procurement", "customer", 10, ("executive_approval",)),
        ("contract_signed", "both", 2, ("legal_review", "procurement")),
        ("kickoff", "both", 5, ("contract_signed",)),
        ("implementation", "both", 30, ("kickoff",)),
        ("go_live", "customer", 0, ("implementation",)),
    ]


# --- summaries ------------------------------------------------------------------


def test_it_summarizes_overdue_milestones():
    plan = schedule_plan(go_live_date=d(9, 15), milestones=DEFAULT_TEMPLATE, as_of=d(6, 26))
    summary = summarize(plan, as_of=d(6, 26), validated=True, changed_since_validation=True)

    # evaluation's latest finish (Wed 25) has passed; reference_check's (Mon 30) has not.
    assert summary.overdue_milestone_keys == ("evaluation",)
    assert not summary.feasible
    assert not summary.validated_and_current


def test_it_links_the_plan_to_the_expected_close_date():
    plan = schedule_plan(go_live_date=d(9, 15), milestones=DEFAULT_TEMPLATE, as_of=d(6, 2))
    summary = summarize(plan, as_of=d(6, 2), validated=True, changed_since_validation=False)

    assert (summary.earliest_signing, summary.sign_by) == (d(7, 24), d(7, 28))
    assert summary.validated_and_current
    assert summary.overdue_milestone_keys == ()
    assert summary.is_at_risk(d(7, 29))
    assert not summary.is_at_risk(d(7, 28))
    assert not summary.is_at_risk(None)
    assert summary.is_wishful_thinking(d(7, 23))
    assert not summary.is_wishful_thinking(d(7, 24))
    assert not summary.is_wishful_thinking(None)


def test_an_infeasible_plan_is_at_risk_whatever_the_close_date():
    plan = schedule_plan(
        go_live_date=d(6, 13), milestones=[ms("a", 10), ms("go_live", 0, "a")], as_of=d(6, 2)
    )
    summary = summarize(plan, as_of=d(6, 2), validated=False, changed_since_validation=False)
    assert summary.is_at_risk(None)
    assert summary.sign_by is None  # no contract_signed milestone in this plan


# --- the calendar against numpy's busday functions -------------------------------


def test_the_calendar_agrees_with_numpy():
    np = pytest.importorskip("numpy")
    rng = random.Random(4)
    holidays = sorted({d(1, 1) + dt.timedelta(days=rng.randrange(365)) for _ in range(12)})
    calendar = BusinessCalendar(holidays)
    np_holidays = [h.isoformat() for h in holidays]
    for _ in range(500):
        start = d(1, 1) + dt.timedelta(days=rng.randrange(365))
        end = d(1, 1) + dt.timedelta(days=rng.randrange(365))
        n = rng.randrange(-40, 41)
        for roll in ("forward", "backward"):
            expected = np.busday_offset(start, n, roll=roll, holidays=np_holidays)
            assert calendar.offset(start, n, roll=roll) == expected.astype(object)
        assert calendar.count(start, end) == int(np.busday_count(start, end, holidays=np_holidays))
