from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    label = "sync"
    verbose_name = "Sync plumbing (changes feed, idempotency, webhooks, imports)"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import changes

        # Lazy "app.Model" senders: the sync plumbing does not import the apps it watches.
        for label in changes.RESOURCE_BY_LABEL:
            post_save.connect(changes.on_saved, sender=label, dispatch_uid=f"sync-saved-{label}")
            post_delete.connect(changes.on_deleted, sender=label, dispatch_uid=f"sync-deleted-{label}")
        post_save.connect(changes.on_deal_role_changed, sender="deals.DealRole", dispatch_uid="sync-role-saved")
        post_delete.connect(changes.on_deal_role_changed, sender="deals.DealRole", dispatch_uid="sync-role-deleted")
        m2m_changed.connect(
            changes.on_activity_people_changed, sender="deals.Activity_stakeholders",
            dispatch_uid="sync-activity-people",
        )
