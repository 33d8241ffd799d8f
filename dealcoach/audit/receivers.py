"""Single saves and deletes of audited models become audit events, in the same
transaction as the write. `pre_save` reads the row as stored (one query) so
the event holds real old values, not what the caller's instance happened to hold.

The receivers listen to every model and skip those no app registered with
`registry.audit_track`: the apps register from their own `ready()`, which runs
after this app's."""

from django.db.models.signals import post_delete, post_save, pre_save

from .registry import TRACKED
from .services import audit_record_change, audited_fields, snapshot

BEFORE_ATTR = "_audit_before"


def _tracked(sender) -> bool:
    return sender._meta.label_lower in TRACKED


def remember_before(sender, instance, raw=False, update_fields=None, **kwargs):
    if not _tracked(sender):
        return
    if raw or instance.pk is None or instance._state.adding:
        setattr(instance, BEFORE_ATTR, None)
        return
    attnames = [f.attname for f in audited_fields(sender)]
    stored = sender._base_manager.filter(pk=instance.pk).values(*attnames).first()
    setattr(instance, BEFORE_ATTR, snapshot(sender(**stored)) if stored is not None else None)


def record_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or not _tracked(sender):
        return
    before = None if created else getattr(instance, BEFORE_ATTR, None)
    after = snapshot(instance)
    if before is not None and update_fields is not None:
        # Only the named fields were written; the rest of the row is as it was.
        written = {f.attname for f in audited_fields(sender) if f.name in update_fields or f.attname in update_fields}
        after = {k: (after[k] if k in written else v) for k, v in before.items()}
    audit_record_change(instance=instance, before=before, after=after)


def record_delete(sender, instance, **kwargs):
    if not _tracked(sender):
        return
    audit_record_change(instance=instance, before=snapshot(instance), after=None)


def connect_receivers() -> None:
    pre_save.connect(remember_before, dispatch_uid="audit_pre_save")
    post_save.connect(record_save, dispatch_uid="audit_post_save")
    post_delete.connect(record_delete, dispatch_uid="audit_post_delete")
