"""A Redis outage never fails or hangs a rep's save, and nothing is lost.

With the broker down, a rep saves a deal in the browser and a connector upserts
through the API: every request succeeds within 2 s. When Redis comes back, the
outbox relay publishes the pending work, a real Celery worker runs it, and
every webhook reaches the receiver exactly once."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from dealcoach.celery import app as celery_app
from dealcoach.outbox.models import OutboxMessage
from deals.forms import OpportunityEditForm
from sync.models import WebhookDelivery
from sync.webhooks import webhook_subscription_create
from tests.api.conftest import client_for
from tests.factories import AccountFactory, OpportunityFactory
from tests.sync.test_webhooks import Receiver

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services,
              pytest.mark.usefixtures("migration_rows")]

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url_for_tests() -> str:
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return predicate()


def test_saves_survive_a_redis_outage_and_the_work_runs_once_when_it_returns(client, settings, monkeypatch, alice):
    settings.DEALCOACH_WEBHOOKS_ALLOW_PRIVATE = True
    settings.DEALCOACH_API_RATE = "10000/1s"
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    saved = {"eager": celery_app.conf.task_always_eager, "broker": celery_app.conf.broker_url}
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = broker
    # Celery reads CELERY_BROKER_URL from the environment before its own setting.
    monkeypatch.setenv("CELERY_BROKER_URL", broker)
    account = AccountFactory(owner=alice, external_id="ACC-OUT")
    deal = OpportunityFactory(account=account, owner=alice, name="Before the outage")
    processes: list[subprocess.Popen] = []
    logs = []
    with Receiver([204]) as receiver:
        webhook_subscription_create(owner=alice, url=receiver.url, events=["opportunity.created",
                                                                            "opportunity.updated"])
        try:
            # 1. Redis is down: the rep's save and the connector's upserts all succeed quickly.
            client.force_login(alice)
            api = client_for(alice)
            timings = []
            assert client.get(f"/deals/{deal.pk}/").status_code == 200  # the rep opens the deal first
            started = time.monotonic()
            form = OpportunityEditForm.initial_for(deal)
            form = {k: ("" if v is None else getattr(v, "pk", v)) for k, v in form.items()}
            form.update(name="Saved while Redis was down", amount="150000")
            response = client.post(f"/deals/{deal.pk}/edit/", form)
            timings.append(time.monotonic() - started)
            assert response.status_code in (200, 302), response.content[:500]
            for n in range(3):
                started = time.monotonic()
                response = api.put(f"/api/v1/opportunities/external/OUT-{n}/", {
                    "account_external_id": "ACC-OUT", "name": f"Synced {n}", "stage": "qualify",
                }, format="json")
                timings.append(time.monotonic() - started)
                assert response.status_code == 201, response.json()
            started = time.monotonic()
            response = api.post("/api/v1/opportunities/bulk-upsert/", {"items": [
                {"external_id": f"OUT-B{n}", "account_external_id": "ACC-OUT", "name": f"Bulk {n}",
                 "stage": "qualify"} for n in range(5)]}, format="json")
            timings.append(time.monotonic() - started)
            assert response.status_code == 200 and {r["result"] for r in response.json()["results"]} == {"created"}
            assert max(timings) < 2, timings
            deal.refresh_from_db()
            assert deal.name == "Saved while Redis was down"
            pending = WebhookDelivery.objects.filter(status="pending").count()
            assert pending >= 9  # 1 update + 3 + 5 creates
            assert OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()
            assert receiver.requests == []

            # 2. Redis comes back; the relay and a worker pick everything up.
            env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dealcoach.settings.test",
                   "DATABASE_URL": database_url_for_tests(), "REDIS_URL": broker, "CELERY_BROKER_URL": broker,
                   "CELERY_TASK_ALWAYS_EAGER": "0", "DEALCOACH_WEBHOOKS_ALLOW_PRIVATE": "1"}
            env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            relay_log = tempfile.NamedTemporaryFile(prefix="relay-", suffix=".log", delete=False)  # noqa: SIM115
            logs.append(relay_log)
            processes.append(subprocess.Popen([sys.executable, "manage.py", "relay_outbox", "--interval", "0.5"],
                                              cwd=ROOT, env=env, stdout=relay_log, stderr=subprocess.STDOUT))
            time.sleep(1)  # the relay retries against the dead broker meanwhile: nothing is lost
            redis_dir = tempfile.mkdtemp(prefix="redis-outage-")
            processes.append(subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                               "--save", "", "--appendonly", "no", "--dir", redis_dir],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            back_at = time.monotonic()
            worker_log = tempfile.NamedTemporaryFile(prefix="worker-", suffix=".log", delete=False)  # noqa: SIM115
            logs.append(worker_log)
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "dealcoach", "worker", "--pool=solo", "--concurrency=1",
                 "-Q", "celery", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT))

            def all_delivered():
                return not WebhookDelivery.objects.exclude(status="delivered").exists()

            assert wait_until(all_delivered, timeout=60), (
                Path(relay_log.name).read_text()[-2000:], Path(worker_log.name).read_text()[-3000:])
            assert time.monotonic() - back_at < 60
            assert wait_until(lambda: not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists(), 10)
            time.sleep(2)  # would a duplicate arrive?
            delivery_ids = [headers.get("X-Dealcoach-Delivery") for headers, _ in receiver.requests]
            assert len(delivery_ids) == WebhookDelivery.objects.count() == pending
            assert len(set(delivery_ids)) == len(delivery_ids)  # none twice
        finally:
            celery_app.conf.task_always_eager = saved["eager"]
            celery_app.conf.broker_url = saved["broker"]
            for process in reversed(processes):
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
            for log in logs:
                log.close()
