"""Keep stored scores current: rescore the deals that `deals` says changed,
and every open deal when an admin edits the coaching questions."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dealcoach.outbox.services import outbox_enqueue
from deals.signals import deal_changed, deal_changing

from .models import CoachingQuestion
from .services import deal_scores_recompute

RESCORE_DEALS = "coaching.rsvp.tasks.rescore_deals"
RESCORE_ALL = "coaching.rsvp.tasks.rescore_all"

# Up to this many deals are rescored in the request that changed them (a few
# queries, and the next page load shows the new score); a bulk import's
# thousands go to the worker.
SYNC_RESCORE_LIMIT = 200


@receiver(deal_changing, dispatch_uid="rsvp-queue-rescoring-of-many-deals")
def queue_rescoring_of_many_changed_deals(sender, opportunity_ids, **kwargs):
    ids = list(opportunity_ids)
    if len(ids) > SYNC_RESCORE_LIMIT:
        # Through the outbox, in the writer's transaction, as every enqueue from a request: the
        # message commits with the change (a crash right after the commit loses no rescoring), the
        # request waits on the broker at most its short publish timeout, and the relay publishes
        # what the request could not.
        outbox_enqueue(task=RESCORE_DEALS, kwargs={"opportunity_ids": ids})


@receiver(deal_changed, dispatch_uid="rsvp-rescore-changed-deals")
def rescore_changed_deals(sender, opportunity_ids, **kwargs):
    ids = list(opportunity_ids)
    if len(ids) <= SYNC_RESCORE_LIMIT:  # more were queued by queue_rescoring_of_many_changed_deals
        deal_scores_recompute(opportunity_ids=ids)


@receiver(post_save, sender=CoachingQuestion, dispatch_uid="rsvp-question-saved")
@receiver(post_delete, sender=CoachingQuestion, dispatch_uid="rsvp-question-deleted")
def rescore_when_questions_change(sender, **kwargs):
    # A retired question stops counting and reworded ones change the stored next
    # question. Once per transaction: the admin's list edit saves many rows at once.
    pending = getattr(transaction.get_connection(), "run_on_commit", [])
    if not any(entry[1] is _queue_rescore_all for entry in pending):
        transaction.on_commit(_queue_rescore_all)


def _queue_rescore_all():
    outbox_enqueue(task=RESCORE_ALL)
