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
def default_stages(migration_rows):
    """Transactional tests flush the tables, data migrations included: the
    shared `migration_rows` fixture puts the default stages, template and questions back."""
