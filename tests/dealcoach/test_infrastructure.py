"""The suite runs on the real services the test command starts."""

import os

import pytest
import redis
from django.db import connection


@pytest.mark.django_db
def test_it_runs_on_postgresql():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.fail("The test command must export DATABASE_URL for a throwaway PostgreSQL.")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert cursor.fetchone()[0]


def test_it_reaches_the_real_redis():
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    assert client.ping() is True


@pytest.mark.django_db
def test_migrations_are_up_to_date():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
