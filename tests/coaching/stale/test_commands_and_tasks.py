"""The management command, the tasks (eager), the beat schedule, the demo, and
the decay-adjusted pipeline totals."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coaching.stale.selectors import pipeline_totals
from coaching.stale.tasks import send_flag_digests, sweep_stale_deals
from dealcoach.celery import app
from deals.models import Opportunity
from tests.coaching.stale.helpers import make_deal

pytestmark = pytest.mark.django_db


def _neglected(owner, **fields):
    return make_deal(owner, stage="evaluate", created=dt.date(2025, 1, 1), last_activity=dt.date(2025, 3, 1),
                     close=dt.date(2025, 4, 1), **fields)


def test_the_command_sweeps_and_prints_the_counts(alice):
    _neglected(alice)
    out = StringIO()
    call_command("sweep_stale_deals", "--as-of", "2025-06-02", stdout=out)
    assert "Swept open deals as of 2025-06-02: raised 5, cleared 0, open 5." in out.getvalue()
    assert "  no_activity: raised 1, cleared 0" in out.getvalue()

    out = StringIO()
    call_command("sweep_stale_deals", "--as-of", "2025-06-02", stdout=out)
    assert "raised 0, cleared 0, open 5." in out.getvalue()


def test_the_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("sweep_stale_deals", "--as-of", "02/06/2025")


def test_the_tasks_take_a_date_string_and_call_the_services(alice):
    alice.email = "alice@example.com"
    alice.save()
    _neglected(alice)
    result = sweep_stale_deals.delay("2025-06-02").get()
    assert (result["as_of"], result["raised"], result["open"]) == ("2025-06-02", 5, 5)
    assert send_flag_digests.delay("2025-06-02").get() == {"owners": 1, "flags": 5}
    assert send_flag_digests.delay(None).get() == {"owners": 0, "flags": 0}


def test_the_tasks_have_time_limits():
    for name in ("coaching.stale.tasks.sweep_stale_deals", "coaching.stale.tasks.send_flag_digests"):
        task = app.tasks[name]
        assert task.soft_time_limit and task.time_limit > task.soft_time_limit


def test_the_beat_schedule_names_every_periodic_job():
    schedule = app.conf.beat_schedule
    tasks = {entry["task"]: entry["schedule"] for entry in schedule.values()}
    assert set(tasks) >= {
        "coaching.stale.tasks.sweep_stale_deals",
        "coaching.stale.tasks.send_flag_digests",
        "coaching.review.tasks.send_weekly_review_digests",
        "coaching.review.tasks.pipeline_snapshot_take",
        "coaching.rsvp.tasks.rescore_all",
    }
    weekly = tasks["coaching.review.tasks.send_weekly_review_digests"]
    assert weekly.day_of_week == {1} and weekly.hour == {7} and weekly.minute == {0}
    assert tasks["coaching.stale.tasks.sweep_stale_deals"].day_of_week == set(range(7))
    # The digest goes out after the sweep that raised its flags.
    assert min(tasks["coaching.stale.tasks.send_flag_digests"].hour) > min(
        tasks["coaching.stale.tasks.sweep_stale_deals"].hour
    )


# --- pipeline totals ----------------------------------------------------------------------------


def test_pipeline_totals_weigh_by_stage_and_by_decay(alice):
    fresh = make_deal(alice, stage="propose", created=dt.date(2025, 5, 1), last_senior=dt.date(2025, 6, 2),
                      amount=Decimal("100000"))
    decayed = make_deal(alice, stage="evaluate", created=dt.date(2025, 1, 1), last_senior=dt.date(2025, 4, 18),
                        amount=Decimal("50000"))
    # decayed: 45 days, exactly one half-life
    totals = pipeline_totals(Opportunity.objects.filter(pk__in=[fresh.pk, decayed.pk]), as_of=dt.date(2025, 6, 2))

    assert totals.deals == 2 and totals.amount == Decimal("150000.00")
    assert totals.weighted == Decimal("80000.00")  # 60% of 100k + 40% of 50k
    assert totals.decay_adjusted == Decimal("70000.00")  # 60k + 20% of 50k
    assert totals.single_currency == "USD"


def test_pipeline_totals_keep_currencies_apart_and_count_new_deals_at_stage_probability(alice):
    make_deal(alice, stage="negotiate", created=dt.date(2025, 5, 1), amount=Decimal("1000"))
    make_deal(alice, stage="negotiate", created=dt.date(2025, 5, 1), amount=Decimal("2000"), currency="EUR")

    totals = pipeline_totals(Opportunity.objects.all(), as_of=dt.date(2025, 5, 1))

    assert totals.single_currency is None
    assert totals.by_currency["USD"].weighted == totals.by_currency["USD"].decay_adjusted == Decimal("800.00")
    assert totals.by_currency["EUR"].decay_adjusted == Decimal("1600.00")


def test_pipeline_totals_of_nothing_are_zero():
    totals = pipeline_totals(Opportunity.objects.none())
    assert (totals.deals, totals.weighted, totals.decay_adjusted) == (0, Decimal("0.00"), Decimal("0.00"))
