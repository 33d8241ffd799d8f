from django.apps import AppConfig


class DealcoachConfig(AppConfig):
    name = "dealcoach"
    verbose_name = "Users and teams"

    def ready(self):
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        # Connects the Celery task-outcome counters in web and worker processes alike.
        from dealcoach.ops import metrics  # noqa: F401

        from .models import ExchangeRate
        from .rates.selectors import rates_forget

        def forget_rates(**kwargs):
            # Any rate written (admin site, API, CSV) is read by the next conversion: forget now,
            # and again at commit, in case a reader cached the old rates in between.
            rates_forget()
            transaction.on_commit(rates_forget)

        post_save.connect(forget_rates, sender=ExchangeRate, weak=False, dispatch_uid="rates-forget-saved")
        post_delete.connect(forget_rates, sender=ExchangeRate, weak=False, dispatch_uid="rates-forget-deleted")
