"""Every model can be seen in the Django admin (directly or inline), and each
changelist opens for an admin."""

import pytest
from django.apps import apps
from django.contrib import admin

PROJECT_APPS = ("dealcoach", "accounts", "deals", "rsvp", "closeplan", "stale", "review", "coaching_sessions",
                "audit", "outbox", "sync")


def inline_models() -> set:
    return {inline.model for model_admin in admin.site._registry.values() for inline in model_admin.inlines}


def test_every_model_is_in_the_admin():
    inlined = inline_models()
    missing = [m._meta.label for m in apps.get_models()
               if m._meta.app_label in PROJECT_APPS and not admin.site.is_registered(m) and m not in inlined]
    assert missing == []


@pytest.mark.django_db
def test_every_changelist_opens(admin_client):
    for model in admin.site._registry:
        if model._meta.app_label in PROJECT_APPS:
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            assert admin_client.get(url).status_code == 200, url
