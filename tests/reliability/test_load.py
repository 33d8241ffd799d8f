"""A bounded load test against the production shape (gunicorn + Celery worker +
PostgreSQL + Redis, loopback only): 20 clients for 60 s mixing reads and writes.
Every answer must be a success, and every write acknowledged must be in the
database afterwards, with its last acknowledged value.

LOAD_SECONDS shortens the run when iterating locally."""

import json
import os
import random
import threading
import time
from collections import Counter
from decimal import Decimal

import pytest

from dealcoach.tokens import api_token_issue
from deals.models import Opportunity
from tests.factories import AccountFactory, OpportunityFactory, UserFactory
from tests.reliability.shape import Processes, http_request, start_web, start_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("migration_rows"),
              pytest.mark.timeout(180)]

CLIENTS = 20
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
# Per-token throttling allows 100 requests per 10 s; each client stays under it.
MIN_SECONDS_PER_REQUEST = 0.11


def test_it_serves_twenty_clients_for_a_minute_without_errors_or_lost_writes(tmp_path, north, bob):
    processes = Processes(tmp_path)
    redis_url = os.environ["REDIS_URL"]
    reps = [UserFactory(username=f"loadrep{i}", role="rep", team=north) for i in range(CLIENTS)]
    accounts = [AccountFactory(owner=rep, name=f"Load account {i}") for i, rep in enumerate(reps)]
    seeded = [OpportunityFactory(account=a, owner=a.owner, external_id=f"SEED-{i}") for i, a in enumerate(accounts)]
    tokens = [api_token_issue(user=rep, name="load")[1] for rep in reps]
    try:
        port = start_web(processes, redis_url=redis_url)
        start_worker(processes, redis_url=redis_url)
        stats = Counter()
        errors: list[str] = []
        created: dict[str, str] = {}  # external id -> amount acknowledged last
        lock = threading.Lock()
        deadline = time.monotonic() + SECONDS

        def client(index: int):
            rng = random.Random(index)
            token, account, deal = tokens[index], accounts[index], seeded[index]
            mine: list[str] = []
            n = 0
            while time.monotonic() < deadline:
                started = time.monotonic()
                roll = rng.random()
                n += 1
                try:
                    if roll < 0.35:
                        kind, method, path, body = "list", "GET", "/api/v1/opportunities/?page_size=20", None
                    elif roll < 0.55:
                        kind, method, path, body = "detail", "GET", f"/api/v1/opportunities/{deal.pk}/", None
                    elif roll < 0.65:
                        kind, method, path, body = "audit", "GET", f"/api/v1/audit/?opportunity={deal.pk}", None
                    elif roll < 0.85 or not mine:
                        external_id = f"LOAD-{index}-{n}"
                        amount = f"{rng.randint(1, 10**6)}.00"
                        kind, method, path = "create", "PUT", f"/api/v1/opportunities/external/{external_id}/"
                        body = {"account": account.pk, "name": f"Load deal {index}-{n}", "amount": amount}
                    else:
                        external_id = rng.choice(mine)
                        amount = f"{rng.randint(1, 10**6)}.00"
                        kind, method, path = "update", "PUT", f"/api/v1/opportunities/external/{external_id}/"
                        body = {"amount": amount}
                    status, _, payload = http_request(port, method, path, token=token, body=body, timeout=15)
                    expected = {"create": 201, "update": 200}.get(kind, 200)
                    if status != expected:
                        raise AssertionError(f"{kind} {path} -> {status} {payload[:200]!r}")
                    if kind in ("create", "update"):
                        assert json.loads(payload)["amount"] == amount
                        with lock:
                            created[external_id] = amount
                        if kind == "create":
                            mine.append(external_id)
                    with lock:
                        stats[kind] += 1
                except Exception as exc:
                    with lock:
                        errors.append(f"client {index}: {type(exc).__name__}: {exc}")
                pause = MIN_SECONDS_PER_REQUEST - (time.monotonic() - started)
                if pause > 0:
                    time.sleep(pause)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=SECONDS + 60)
        elapsed = time.monotonic() - began
        total = sum(stats.values())
        print(f"\nload: {total} requests in {elapsed:.1f}s ({total / elapsed:.0f}/s), {dict(stats)}, "
              f"{len(errors)} errors")
        assert errors == [], errors[:10]
        assert stats["create"] > 0 and stats["update"] > 0 and stats["list"] > 0
        # 0 lost writes: every acknowledged create is a row with the last acknowledged amount.
        stored = dict(Opportunity.objects.filter(external_id__startswith="LOAD-").values_list("external_id", "amount"))
        assert len(stored) == len(created) == stats["create"]
        assert {k: Decimal(v) for k, v in created.items()} == stored
        assert processes.procs["web"].poll() is None, processes.log("web")
    finally:
        processes.stop_all()
