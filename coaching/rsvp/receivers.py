"""Keep stored scores current: rescore the deals that `deals` says changed."""

from django.dispatch import receiver

from deals.signals import deal_changed

from .services import deal_scores_recompute


@receiver(deal_changed, dispatch_uid="rsvp-rescore-changed-deals")
def rescore_changed_deals(sender, opportunity_ids, **kwargs):
    # Synchronous on purpose: a handful of deals costs a few queries, and the
    # next page load then shows the new score. Bulk changes come in one call.
    deal_scores_recompute(opportunity_ids=opportunity_ids)
