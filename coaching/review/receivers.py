"""A stage added, renamed or removed shows in the review's filter at once."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from deals.models import Stage

from .selectors import STAGES_CACHE_KEY


@receiver(post_save, sender=Stage, dispatch_uid="review-stage-saved")
@receiver(post_delete, sender=Stage, dispatch_uid="review-stage-deleted")
def forget_cached_stages(sender, **kwargs):
    cache.delete(STAGES_CACHE_KEY)
