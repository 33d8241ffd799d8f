"""Stored scores: recomputed on change, in bulk, removed for closed deals;
weekly snapshots; the nightly task."""

import datetime as dt

import pytest
from django.db import transaction

from coaching.closeplan.services import plan_create_from_template, plan_validate_by_buyer, share_link_create
from coaching.rsvp.models import DealScore, ScoreSnapshot
from coaching.rsvp.selectors import coaching_result_for
from coaching.rsvp.services import deal_scores_recompute, deal_scores_recompute_all, score_snapshots_take
from coaching.rsvp.tasks import rescore_all
from deals.services import activity_log, opportunity_update
from tests.coaching.rsvp.conftest import TODAY, empty_deal, well_covered_deal
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def statuses(score: DealScore) -> tuple[str, str, str, str]:
    return (score.relationships_status, score.strategy_status, score.value_status, score.process_status)


def validated_plan(deal, actor):
    plan = plan_create_from_template(actor=actor, opportunity=deal, go_live_date=deal.go_live_date)
    link, _token = share_link_create(actor=actor, plan=plan)
    return plan_validate_by_buyer(link=link, name="Erin Ames", seen_version=plan.version)


def test_it_stores_green_for_the_well_covered_deal_and_red_for_an_empty_one(frozen_today, alice):
    good = well_covered_deal(account=AccountFactory(owner=alice))
    validated_plan(good, alice)
    bad = empty_deal(account=AccountFactory(owner=alice))

    assert deal_scores_recompute(opportunity_ids=[good.pk, bad.pk]) == 2

    assert statuses(DealScore.objects.get(opportunity=good)) == ("green",) * 4
    assert statuses(DealScore.objects.get(opportunity=bad)) == ("red",) * 4
    stored = DealScore.objects.get(opportunity=good)
    assert stored.as_of == TODAY
    assert set(stored.summary) == {"overall", "dimensions", "anchors", "next"}
    assert stored.summary["overall"] == stored.overall
    assert stored.summary["anchors"] == dict.fromkeys(("budget", "timeline", "compelling_event", "success_criteria"),
                                                      "present")


def test_it_recomputes_when_the_deal_changes(frozen_today, alice, django_capture_on_commit_callbacks):
    deal = well_covered_deal(account=AccountFactory(owner=alice), stage_slug="discover")
    deal_scores_recompute(opportunity_ids=[deal.pk])
    before = DealScore.objects.get(opportunity=deal).value

    with django_capture_on_commit_callbacks(execute=True):
        opportunity_update(actor=alice, opportunity=deal, data={"business_value": "Saves time and money"})

    after = DealScore.objects.get(opportunity=deal)
    assert after.value < before
    assert after.summary["dimensions"]["value"]["next"]["rule"] == "value.generic_claim"


def test_it_recomputes_when_an_activity_is_logged(frozen_today, alice, django_capture_on_commit_callbacks):
    deal = well_covered_deal(account=AccountFactory(owner=alice))
    cfo = deal.roles.get(role="economic_buyer").stakeholder
    deal.activities.filter(stakeholders=cfo).delete()
    deal_scores_recompute(opportunity_ids=[deal.pk])
    assert DealScore.objects.get(opportunity=deal).relationships_status == "red"

    with django_capture_on_commit_callbacks(execute=True):
        activity_log(actor=alice, opportunity=deal, kind="meeting", summary="Business case review", stakeholders=[cfo])

    assert DealScore.objects.get(opportunity=deal).relationships_status == "green"


def test_it_drops_the_score_of_a_deal_that_closed(frozen_today, alice, django_capture_on_commit_callbacks):
    deal = well_covered_deal(account=AccountFactory(owner=alice))
    deal_scores_recompute(opportunity_ids=[deal.pk])

    with django_capture_on_commit_callbacks(execute=True):
        opportunity_update(actor=alice, opportunity=deal, data={"status": "won"})

    assert not DealScore.objects.filter(opportunity=deal).exists()


def test_it_recomputes_many_deals_in_a_fixed_number_of_queries(frozen_today, alice, django_assert_max_num_queries):
    deals = [well_covered_deal(account=AccountFactory(owner=alice)) for _ in range(3)]
    deals += [empty_deal(account=AccountFactory(owner=alice)) for _ in range(10)]

    # questions, then per chunk: deals, engagement, roles, references, answers, plans (3), the upsert
    with django_assert_max_num_queries(10):
        assert deal_scores_recompute(opportunity_ids=[d.pk for d in deals]) == 13
    with django_assert_max_num_queries(10):  # the upsert path
        assert deal_scores_recompute(opportunity_ids=[d.pk for d in deals]) == 13
    assert DealScore.objects.count() == 13


def test_it_rescores_all_open_deals_and_forgets_closed_ones(frozen_today, alice):
    open_deal = well_covered_deal(account=AccountFactory(owner=alice))
    lost = empty_deal(account=AccountFactory(owner=alice))
    deal_scores_recompute(opportunity_ids=[open_deal.pk, lost.pk])
    type(lost).objects.filter(pk=lost.pk).update(status="lost", lost_reason="Went with the incumbent")

    assert deal_scores_recompute_all() == 1
    assert list(DealScore.objects.values_list("opportunity_id", flat=True)) == [open_deal.pk]


def test_it_takes_a_weekly_snapshot_idempotently(frozen_today, alice):
    deals = [well_covered_deal(account=AccountFactory(owner=alice)), empty_deal(account=AccountFactory(owner=alice))]
    deal_scores_recompute(opportunity_ids=[d.pk for d in deals])

    assert score_snapshots_take(week=TODAY + dt.timedelta(days=2)) == 2
    assert score_snapshots_take(week=TODAY) == 2

    snapshots = ScoreSnapshot.objects.order_by("opportunity_id")
    assert [s.week for s in snapshots] == [TODAY, TODAY]  # stored as the Monday
    assert [s.overall for s in snapshots] == [
        DealScore.objects.get(opportunity=d).overall for d in sorted(deals, key=lambda d: d.pk)
    ]


def test_it_keeps_one_snapshot_per_week(frozen_today, alice):
    deal = well_covered_deal(account=AccountFactory(owner=alice))
    deal_scores_recompute(opportunity_ids=[deal.pk])

    score_snapshots_take(week=TODAY)
    score_snapshots_take(week=TODAY + dt.timedelta(days=7))

    assert [s.week for s in ScoreSnapshot.objects.order_by("week")] == [TODAY, TODAY + dt.timedelta(days=7)]


def test_the_nightly_task_rescores_and_snapshots(frozen_today, alice):
    deal = well_covered_deal(account=AccountFactory(owner=alice))

    assert rescore_all.delay("2025-03-05").get() == {"scored": 1, "snapshots": 1}

    assert DealScore.objects.get(opportunity=deal).as_of == dt.date(2025, 3, 5)
    assert ScoreSnapshot.objects.get(opportunity=deal).week == TODAY
    assert rescore_all() == {"scored": 1, "snapshots": 1}


def test_the_portable_upsert_stores_the_same_as_the_postgresql_one(frozen_today, alice):
    from coaching.rsvp.services import _score_row
    from coaching.rsvp.store import upsert_scores_orm

    deal = well_covered_deal(account=AccountFactory(owner=alice))
    deal_scores_recompute(opportunity_ids=[deal.pk])
    fast = DealScore.objects.values().get(opportunity=deal)
    DealScore.objects.all().delete()

    row = _score_row(deal.pk, coaching_result_for(deal))
    upsert_scores_orm([row], as_of=fast["as_of"], now=fast["computed_at"])
    upsert_scores_orm([row], as_of=fast["as_of"], now=fast["computed_at"])  # and again: an update

    assert DealScore.objects.values().get(opportunity=deal) == fast


def test_it_queues_big_batches_and_rescores_small_ones_at_once(frozen_today, alice, monkeypatch):
    from coaching.rsvp import receivers

    deal = well_covered_deal(account=AccountFactory(owner=alice))
    queued = []
    monkeypatch.setattr(receivers, "outbox_enqueue", lambda **message: queued.append(message))

    receivers.queue_rescoring_of_many_changed_deals(sender="deals", opportunity_ids=[deal.pk])
    receivers.rescore_changed_deals(sender="deals", opportunity_ids=[deal.pk])
    assert DealScore.objects.filter(opportunity=deal).exists() and queued == []
    DealScore.objects.all().delete()

    many = list(range(10_000, 10_000 + receivers.SYNC_RESCORE_LIMIT)) + [deal.pk]
    receivers.queue_rescoring_of_many_changed_deals(sender="deals", opportunity_ids=many)
    receivers.rescore_changed_deals(sender="deals", opportunity_ids=many)
    assert queued == [{"task": "coaching.rsvp.tasks.rescore_deals", "kwargs": {"opportunity_ids": many}}]
    assert not DealScore.objects.exists()


def test_the_rescoring_of_a_big_batch_is_queued_in_the_writers_transaction(frozen_today, alice):
    from coaching.rsvp.receivers import RESCORE_DEALS, SYNC_RESCORE_LIMIT
    from dealcoach.outbox.models import OutboxMessage
    from deals.signals import announce_deal_changed

    many = list(range(10_000, 10_000 + SYNC_RESCORE_LIMIT + 1))
    with transaction.atomic():
        announce_deal_changed(many)
        assert OutboxMessage.objects.get(task=RESCORE_DEALS).kwargs == {"opportunity_ids": many}
        transaction.set_rollback(True)  # the write fails after announcing: nothing is queued
    assert not OutboxMessage.objects.filter(task=RESCORE_DEALS).exists()


def test_editing_questions_rescores_every_deal_once(frozen_today, alice, django_capture_on_commit_callbacks):
    from coaching.rsvp.models import CoachingQuestion

    deal = well_covered_deal(account=AccountFactory(owner=alice))
    deal_scores_recompute(opportunity_ids=[deal.pk])
    before = DealScore.objects.get(opportunity=deal).relationships

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for key in ("rel_integrity", "rel_economic_buyer"):
            question = CoachingQuestion.objects.get(key=key)
            question.active = False
            question.save()

    from dealcoach.outbox.models import OutboxMessage

    assert [callback.__name__ for callback in callbacks].count("_queue_rescore_all") == 1
    assert OutboxMessage.objects.filter(task="coaching.rsvp.tasks.rescore_all").count() == 1
    assert DealScore.objects.get(opportunity=deal).relationships > before  # two unanswered questions stop counting
