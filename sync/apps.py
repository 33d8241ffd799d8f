from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    label = "sync"
    verbose_name = "Sync plumbing (changes feed, idempotency, webhooks, imports)"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from deals.models import Activity, DealRole

        from . import changes

        # sync sits above accounts and deals: it watches their models, they never name it.
        for model in changes.RESOURCE_BY_MODEL:
            label = model._meta.label
            post_save.connect(changes.on_saved, sender=model, dispatch_uid=f"sync-saved-{label}")
            post_delete.connect(changes.on_deleted, sender=model, dispatch_uid=f"sync-deleted-{label}")
        post_save.connect(changes.on_deal_role_changed, sender=DealRole, dispatch_uid="sync-role-saved")
        post_delete.connect(changes.on_deal_role_changed, sender=DealRole, dispatch_uid="sync-role-deleted")
        m2m_changed.connect(
            changes.on_activity_people_changed, sender=Activity.stakeholders.through,
            dispatch_uid="sync-activity-people",
        )
