"""Probes for load balancers and orchestrators.

- `/healthz/` (liveness): the process answers. It checks no dependency, so a
  database outage does not make every web process restart in a loop.
- `/readyz/` (readiness): the checks named in DEALCOACH_READINESS_CHECKS
  (django-health-check checks): PostgreSQL answers, Redis (broker and cache)
  answers, every migration is applied, and the daily stale sweep ran on time.
  200 with each check's result when all pass, 503 naming what failed.

Both answer over plain HTTP (SECURE_REDIRECT_EXEMPT): probes come from inside
the network, not through the TLS proxy. The checks run one after the other in
the request's thread: they use its database connection and leave none open
behind them, and an event loop elsewhere in the process cannot get in the way
(django-health-check's own view is async)."""

from __future__ import annotations

import dataclasses
import logging
from typing import ClassVar

import redis
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils.module_loading import import_string
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.exceptions import HealthCheckException, ServiceUnavailable

logger = logging.getLogger("dealcoach.health")


def liveness(request):
    return JsonResponse({"status": "ok"})


class SyncCheck(HealthCheck):
    """A django-health-check check whose work is synchronous (`check()`)."""

    def check(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def run(self) -> None:
        self.check()


@dataclasses.dataclass
class DatabaseCheck(SyncCheck, Database):
    """django-health-check's `SELECT 1` on the default database."""

    def check(self) -> None:
        Database.run(self)


@dataclasses.dataclass
class RedisCheck(SyncCheck):
    """PING the Redis of REDIS_URL (broker, shared cache and throttle)."""

    def check(self) -> None:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        except redis.RedisError as error:
            raise ServiceUnavailable(f"Unable to connect to Redis: {type(error).__name__}.") from error
        finally:
            client.close()


@dataclasses.dataclass
class MigrationsCheck(SyncCheck):
    """Every migration of this code is applied: a web process of a new release
    is not ready until `migrate` has run.

    Loading the migration graph takes most of a second, so once a database is
    found fully migrated the answer is kept for the life of the process
    (`migrated_aliases`): the code's migrations do not change under a running
    process, and un-applying them under it is not an operation we support. Until
    then every probe looks again. PostgreSQL being down is the DatabaseCheck's
    to report."""

    alias: str = "default"
    migrated_aliases: ClassVar[set[str]] = set()

    def check(self) -> None:
        if self.alias in self.migrated_aliases:
            return
        connection = connections[self.alias]
        try:
            with connection.temporary_connection():
                executor = MigrationExecutor(connection)
                plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as error:
            raise ServiceUnavailable("Cannot read the applied migrations.") from error
        if plan:
            names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in plan[:5])
            raise ServiceUnavailable(f"{len(plan)} migration(s) not applied: {names}.")
        self.migrated_aliases.add(self.alias)


def readiness(request):
    """Each check of DEALCOACH_READINESS_CHECKS; 200 when all pass, else 503."""
    checks = {}
    for path in settings.DEALCOACH_READINESS_CHECKS:
        check = import_string(path)()
        name = type(check).__name__
        try:
            check.check()
        except HealthCheckException as error:
            logger.warning("readiness check %s failed: %s", name, error)
            checks[name] = str(error)
        except Exception:
            logger.exception("readiness check %s crashed", name)
            checks[name] = "unknown error"
        else:
            checks[name] = "ok"
    ready = all(result == "ok" for result in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
