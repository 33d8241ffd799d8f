"""API test helpers: a client that authenticates like a connector (Bearer token)."""

import pytest
from rest_framework.test import APIClient

from dealcoach.tokens import api_token_issue


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        _, plain = api_token_issue(user=user, name="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


@pytest.fixture
def api_as():
    return client_for


@pytest.fixture
def default_stages(transactional_db):
    """Transactional tests flush the tables, data migrations included: put the
    default stages and the default close-plan template back (the same rows as
    the data migrations)."""
    import importlib

    from django.apps import apps

    from deals.models import Stage

    template = importlib.import_module("coaching.closeplan.migrations.0002_default_template")
    template.create_default_template(apps, None)
    defaults = importlib.import_module("deals.migrations.0002_default_stages").DEFAULT_STAGES
    for slug, name, order, probability, rot_days, category in defaults:
        Stage.objects.get_or_create(slug=slug, defaults={
            "name": name, "order": order, "probability": probability, "rot_days": rot_days,
            "forecast_category": category,
        })
