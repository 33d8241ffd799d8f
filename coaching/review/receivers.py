"""Keep what the review caches current: the stage list, the holidays, and the rendered
review bodies (`cache`), forgotten per team on every change to its deals."""

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from coaching.closeplan.models import Holiday
from coaching.rsvp.signals import deal_scores_recomputed
from coaching.stale.models import Flag, SweepRun
from dealcoach.lookups import AnyOf
from dealcoach.models import ExchangeRate, Team
from deals.models import Opportunity, Stage
from deals.signals import deal_changed

from .cache import review_all_changed, review_teams_changed
from .ranking import HOLIDAYS_CACHE_KEY
from .selectors import STAGES_CACHE_KEY


@receiver(post_save, sender=Stage, dispatch_uid="review-stage-saved")
@receiver(post_delete, sender=Stage, dispatch_uid="review-stage-deleted")
def forget_cached_stages(sender, **kwargs):
    cache.delete(STAGES_CACHE_KEY)
    review_all_changed()


@receiver(post_save, sender=Holiday, dispatch_uid="review-holiday-saved")
@receiver(post_delete, sender=Holiday, dispatch_uid="review-holiday-deleted")
def forget_cached_holidays(sender, **kwargs):
    # Business days to the sign-by feed every deal's time pressure.
    cache.delete(HOLIDAYS_CACHE_KEY)
    review_all_changed()


@receiver(post_save, sender=ExchangeRate, dispatch_uid="review-rate-saved")
@receiver(post_delete, sender=ExchangeRate, dispatch_uid="review-rate-deleted")
def forget_reviews_after_a_rate_change(sender, **kwargs):
    # Every converted total and the ranking read the rates (their own cache forgets itself: dealcoach.apps).
    review_all_changed()


def _forget_reviews_of_deals(opportunity_ids) -> None:
    # The few teams, not a row per deal: a bulk upsert announces 1,000 deals at once.
    owners_teams = (Opportunity.objects.filter(AnyOf(F("pk"), opportunity_ids))
                    .values_list("owner__team_id", flat=True).order_by().distinct())
    review_teams_changed(team_ids=set(owners_teams))


@receiver(deal_changed, dispatch_uid="review-forget-changed-deals")
def forget_reviews_of_changed_deals(sender, opportunity_ids, previous_owner_ids=(), **kwargs):
    _forget_reviews_of_deals(opportunity_ids)
    if previous_owner_ids:
        # A reassigned deal leaves its old team's review as well.
        teams = get_user_model().objects.filter(pk__in=list(previous_owner_ids)).values_list("team_id", flat=True)
        review_teams_changed(team_ids=set(teams))


@receiver(deal_scores_recomputed, dispatch_uid="review-forget-rescored-deals")
def forget_reviews_of_rescored_deals(sender, opportunity_ids, **kwargs):
    _forget_reviews_of_deals(opportunity_ids)


@receiver(post_save, sender=Flag, dispatch_uid="review-flag-saved")
@receiver(post_delete, sender=Flag, dispatch_uid="review-flag-deleted")
def forget_reviews_of_flagged_deal(sender, instance, **kwargs):
    # A snooze or unsnooze saves the flag and announces nothing else.
    _forget_reviews_of_deals([instance.opportunity_id])


@receiver(post_save, sender=SweepRun, dispatch_uid="review-forget-after-sweep")
def forget_reviews_after_sweep(sender, created, **kwargs):
    # The sweep raises and clears flags set-based, for every team, and
    # records its SweepRun last, in its own transaction: forget every review once that commits.
    if created:
        transaction.on_commit(review_all_changed)


@receiver(post_save, sender=Team, dispatch_uid="review-team-saved")
@receiver(post_save, sender=get_user_model(), dispatch_uid="review-user-saved")
@receiver(post_delete, sender=get_user_model(), dispatch_uid="review-user-deleted")
def forget_reviews_when_teams_change(sender, update_fields=None, **kwargs):
    # A rep joining or leaving a team moves their deals between reviews (rare: forget all).
    # Logging in only stamps last_login.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    review_all_changed()
