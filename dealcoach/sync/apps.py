from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "dealcoach.sync"
    label = "sync"
    verbose_name = "Sync plumbing (changes feed, idempotency, webhooks, imports)"
