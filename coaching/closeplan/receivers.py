"""Every plan's latest dates depend on the holidays: refresh them (in the
background) when the list changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dealcoach.outbox.services import outbox_enqueue

from .models import Holiday


@receiver(post_save, sender=Holiday, dispatch_uid="closeplan-holiday-saved")
@receiver(post_delete, sender=Holiday, dispatch_uid="closeplan-holiday-deleted")
def refresh_plans_when_holidays_change(sender, **kwargs):
    # Through the outbox: saved with the holiday, published when the broker is reachable.
    outbox_enqueue(task="coaching.closeplan.tasks.refresh_latest_dates")
