"""Every plan's latest dates depend on the holidays: refresh them (in the
background) when the list changes."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Holiday
from .tasks import refresh_latest_dates


@receiver(post_save, sender=Holiday, dispatch_uid="closeplan-holiday-saved")
@receiver(post_delete, sender=Holiday, dispatch_uid="closeplan-holiday-deleted")
def refresh_plans_when_holidays_change(sender, **kwargs):
    transaction.on_commit(lambda: refresh_latest_dates.delay(), robust=True)
