import datetime as dt

import pytest

from coaching.closeplan.exports import CSV_COLUMNS, plan_csv
from coaching.closeplan.selectors import plan_detail, plan_get_for_opportunity
from coaching.closeplan.services import milestone_mark_done, milestone_update
from coaching.closeplan.timeline import timeline_for
from tests.coaching.closeplan.conftest import TODAY

pytestmark = pytest.mark.django_db


def detail_of(plan, as_of=TODAY):
    return plan_detail(plan_get_for_opportunity(opportunity_id=plan.opportunity_id), as_of)


def test_it_draws_today_before_go_live_and_every_bar_inside_the_chart(plan):
    timeline = timeline_for(detail_of(plan))
    assert timeline.chart_left < timeline.today_x < timeline.go_live_x < timeline.chart_right
    assert len(timeline.rows) == 10
    for row in timeline.rows:
        for bar in (row.latest, row.earliest):
            assert timeline.chart_left <= bar.x and bar.x + bar.width <= timeline.chart_right
    go_live = timeline.rows[-1]
    assert go_live.milestone_point and go_live.critical
    assert go_live.latest.x == timeline.go_live_x
    assert timeline.ticks[0].label == "Jun 2025"


def test_it_marks_done_and_late_rows(plan, alice):
    milestone_mark_done(actor=alice, plan=plan, key="evaluation", done_on=TODAY)
    milestone_update(actor=alice, plan=plan, key="implementation", data={"duration_days": 50})
    rows = {row.key: row for row in timeline_for(detail_of(plan)).rows}
    assert rows["evaluation"].done and not rows["evaluation"].critical
    assert rows["implementation"].late and rows["implementation"].critical


def test_it_neutralises_spreadsheet_formulas_in_csv(plan, alice):
    milestone_update(actor=alice, plan=plan, key="kickoff", data={"name": '=HYPERLINK("http://x")'})
    lines = plan_csv(detail_of(plan)).splitlines()
    assert lines[0].split(",") == list(CSV_COLUMNS)
    kickoff = next(line for line in lines if line.startswith("kickoff,"))
    assert "'=HYPERLINK" in kickoff


def test_it_puts_done_dates_and_status_in_csv(plan, alice):
    milestone_mark_done(actor=alice, plan=plan, key="evaluation", done_on=TODAY)
    evaluation = plan_csv(detail_of(plan, TODAY + dt.timedelta(days=1))).splitlines()[1].split(",")
    row = dict(zip(CSV_COLUMNS, evaluation, strict=True))
    assert (row["status"], row["done_on"], row["critical"]) == ("done", "2025-06-02", "no")
