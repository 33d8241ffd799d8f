"""Liveness and readiness probes against the real PostgreSQL and Redis of the
test command: "down" is a dead port on this machine, "up" the real service."""

import datetime as dt
import socket
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from django.utils import timezone
from health_check.exceptions import ServiceUnavailable

from coaching.stale.health import sweep_due, sweep_overdue_reason
from coaching.stale.models import SweepRun
from dealcoach.ops.health import MigrationsCheck


def dead_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sweep_done_today():
    now = timezone.now()
    SweepRun.objects.create(as_of=timezone.localdate(), since=now, started_at=now, finished_at=now)


def test_it_answers_liveness_without_touching_a_dependency(client):
    response = client.get("/healthz/")  # no db fixture: a query would fail the test
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@override_settings(SECURE_SSL_REDIRECT=True)
def test_probes_are_not_redirected_to_https(client):
    assert client.get("/login/").status_code == 301
    assert client.get("/healthz/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_it_is_ready_only_while_redis_and_postgresql_answer(client):
    sweep_done_today()
    ready = client.get("/readyz/")
    assert ready.status_code == 200, ready.json()
    assert ready.json()["checks"] == {
        "DatabaseCheck": "ok", "RedisCheck": "ok", "MigrationsCheck": "ok", "SweepCheck": "ok",
    }

    with override_settings(REDIS_URL=f"redis://127.0.0.1:{dead_port()}/0"):
        redis_down = client.get("/readyz/")
    assert redis_down.status_code == 503
    assert "Unable to connect to Redis" in redis_down.json()["checks"]["RedisCheck"]
    assert redis_down.json()["checks"]["DatabaseCheck"] == "ok"

    # PostgreSQL down: the next connection goes to a port where nothing listens.
    connection.close()
    with mock.patch.dict(connection.settings_dict, {"PORT": str(dead_port())}):
        database_down = client.get("/readyz/")
        connection.close()
    assert database_down.status_code == 503
    checks = database_down.json()["checks"]
    assert checks["DatabaseCheck"] != "ok"
    assert checks["MigrationsCheck"] == "ok"  # found applied by the first probe; the outage is the database's
    assert checks["RedisCheck"] == "ok"

    assert client.get("/readyz/").status_code == 200  # both back


@pytest.fixture
def migrations_unknown(monkeypatch):
    """A process that has not yet found its database fully migrated."""
    monkeypatch.setattr(MigrationsCheck, "migrated_aliases", set())


def test_it_reports_migrations_not_applied(db, migrations_unknown):
    (latest,) = MigrationLoader(connection).graph.leaf_nodes("stale")
    MigrationRecorder(connection).record_unapplied(*latest)
    for _ in range(2):  # not cached while not applied
        with pytest.raises(ServiceUnavailable, match=rf"1 migration\(s\) not applied: stale.{latest[1]}"):
            MigrationsCheck().check()


def test_readiness_loads_the_migration_graph_until_it_finds_every_migration_applied(client, db, migrations_unknown):
    (latest,) = MigrationLoader(connection).graph.leaf_nodes("stale")
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied(*latest)
    sweep_done_today()

    def migrations_probe():
        response = client.get("/readyz/")
        return response.status_code, response.json()["checks"]["MigrationsCheck"]

    with mock.patch("django.db.migrations.executor.MigrationLoader", wraps=MigrationLoader) as loads:
        for _ in range(2):  # looked at again on every probe while not applied
            status, result = migrations_probe()
            assert status == 503 and "1 migration(s) not applied" in result
        recorder.record_applied(*latest)
        assert migrations_probe() == (200, "ok")
        assert migrations_probe() == (200, "ok")
    assert loads.call_count == 3  # twice not applied, once found applied, then kept


def test_the_sweep_is_due_today_only_from_its_due_hour():
    tz = dt.UTC
    before = dt.datetime(2026, 3, 10, 5, 59, tzinfo=tz)
    after = dt.datetime(2026, 3, 10, 6, 0, tzinfo=tz)
    assert sweep_due(now=before, due_hour=6) == (dt.date(2026, 3, 9), dt.datetime(2026, 3, 9, 6, 0, tzinfo=tz))
    assert sweep_due(now=after, due_hour=6) == (dt.date(2026, 3, 10), after)


def test_it_reports_a_late_sweep_but_not_one_due_before_installation(db, settings):
    settings.DEALCOACH_SWEEP_DUE_HOUR = 6

    def installed_at(when):
        connection.cursor().execute("UPDATE django_migrations SET applied = %s", [when])

    installed_at(dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2026, 3, 10, 7, 0, tzinfo=dt.UTC), tick=False):
        assert "sweep for 2026-03-10 has not completed" in sweep_overdue_reason()
        sweep_done_today()
        assert sweep_overdue_reason() is None
    SweepRun.objects.all().delete()
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        assert "sweep for 2026-03-01 has not completed" in sweep_overdue_reason()
        # Installed at 10:00, after that day's sweep was due (06:00): nothing expected yet.
        installed_at(dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC))
        assert sweep_overdue_reason() is None
