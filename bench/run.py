"""Run every benchmark of the scale issue and write BENCHMARKS.md.

Started by `make bench` (scripts/bench.sh), which provides a throwaway
PostgreSQL and Redis exactly like the test command. Each figure is reported
with its median and p95 over repeated runs and its query count, next to the
target. Progress goes to stdout as it runs.

    python -m bench.run                       # the full sizes (1,000,000 deals)
    python -m bench.run --opportunities 50000 --accounts 5000 --team-deals 5000   # a quick look
    python -m bench.run --only 9 --opportunities 50000 --accounts 5000 --team-deals 10000  # the Insights page
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS: list[dict] = []


def say(message: str) -> None:
    print(message, flush=True)


def record(figure: str, value: str, target: str, met: bool | None, detail: str = "") -> None:
    RESULTS.append({"figure": figure, "value": value, "target": target, "met": met, "detail": detail})
    mark = {True: "OK  ", False: "MISS", None: "    "}[met]
    say(f"  [{mark}] {figure}: {value} (target {target}) {detail}")


def settle_database() -> None:
    """Between benchmarks: what autovacuum and the checkpointer would have done by the time
    the next user arrives after a big write (the sweep's 2.45M flags, 100,000 stored scores).
    Left to them, they run during the next benchmark and share its two cores."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")
    say(f"   (database vacuumed, analysed and checkpointed in {time.perf_counter() - started:.1f} s)")


# --- 1. review page -------------------------------------------------------------------------

def bench_review_page(runs: int) -> None:
    from django.test import Client

    from bench.measure import repeat
    from dealcoach.models import User

    say("1. Weekly pipeline review page (bench_mgr_1)")
    from coaching.review.cache import review_all_changed

    client = Client()
    client.force_login(User.objects.get(username="bench_mgr_1"))
    status = client.get("/review/").status_code

    def cold():
        # The review body is cached per team (coaching/review/cache.py): forget it before each
        # run so this figure is the page computed from the database, as after any change.
        review_all_changed()
        return client.get("/review/")

    timing = repeat(cold, runs=runs)
    record("review page, 10k open deals: p95 (cold: review cache forgotten before each run)",
           f"{timing.p95:.0f} ms (median {timing.median:.0f} ms)", "≤ 250 ms", timing.p95 <= 250, f"HTTP {status}")
    record("review page queries (cold)", str(timing.max_queries), "≤ 10", timing.max_queries <= 10)
    warm = repeat(lambda: client.get("/review/"), runs=runs)
    record("review page, warm (served from the review cache): p95",
           f"{warm.p95:.1f} ms (median {warm.median:.1f} ms), {warm.max_queries} queries", "", None)
    # The same attention ranking on its own (coaching/review/ranking.py): every open deal of the team
    # read, converted and scored, the first 50 rows with their question. Never cached.
    api = repeat(lambda: client.get("/api/v1/review/attention/"), runs=runs)
    record("attention ranking API, 10k open deals: p95 (GET /api/v1/review/attention/)",
           f"{api.p95:.0f} ms (median {api.median:.0f} ms), {api.max_queries} queries", "", None,
           f"HTTP {client.get('/api/v1/review/attention/').status_code}")


# --- 9. Insights page ----------------------------------------------------------------------

def bench_insights_page(runs: int, *, teams: int, reps_per_team: int, team_deals: int, closed: int,
                        as_of: date) -> None:
    from django.core.cache import cache
    from django.test import Client

    from bench.generate import generate_insights_history
    from bench.measure import repeat
    from coaching.review.selectors import STAGES_CACHE_KEY
    from dealcoach.models import User

    history = generate_insights_history(teams=teams, reps_per_team=reps_per_team, team_deals=team_deals,
                                        closed=closed, as_of=as_of, progress=say)
    settle_database()
    say(f"9. Insights page (bench_mgr_1: {team_deals:,} open deals, {closed:,} closed in the year, "
        f"{history['pipeline_snapshots']:,} weekly pipeline snapshots)")
    client = Client()
    client.force_login(User.objects.get(username="bench_mgr_1"))
    response = client.get("/insights/")
    assert response.status_code == 200, response.content[:300]

    def cold():
        # Nothing of the page is cached but the stage list (shared with the review): forget it too.
        cache.delete(STAGES_CACHE_KEY)
        return client.get("/insights/")

    timing = repeat(cold, runs=runs)
    record(f"Insights page, {team_deals:,}-deal team, a year of weekly snapshots: p95 (cold)",
           f"{timing.p95:.0f} ms (median {timing.median:.0f} ms)", "≤ 300 ms", timing.p95 <= 300,
           f"HTTP {response.status_code}")
    record("Insights page queries (cold)", str(timing.max_queries), "≤ 12", timing.max_queries <= 12)
    api = repeat(lambda: client.get("/api/v1/insights/forecast-accuracy/"), runs=runs)
    record("GET /api/v1/insights/forecast-accuracy/: p95", f"{api.p95:.0f} ms (median {api.median:.0f} ms), "
           f"{api.max_queries} queries", "", None)


# --- 2. API list page -----------------------------------------------------------------------

def _cursor_at(depth: int) -> str:
    from deals.models import Opportunity

    row = (Opportunity.objects.filter(deleted_at__isnull=True).order_by("updated_at", "id")
           .values_list("updated_at", flat=True)[depth:depth + 1])
    position = str(list(row)[0])
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


def bench_api_list(runs: int, depth: int) -> None:
    from django.test import Client

    from bench.measure import repeat
    from dealcoach.models import User
    from dealcoach.tokens import api_token_issue

    say(f"2. GET /api/v1/opportunities/ page of 100 (first page and {depth:,} rows deep)")
    admin, _ = User.objects.get_or_create(username="bench_admin", defaults={"role": "admin", "is_superuser": True})
    _, token = api_token_issue(user=admin, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    first = client.get("/api/v1/opportunities/", {"page_size": 100})
    assert first.status_code == 200, first.content[:300]
    assert len(first.json()["results"]) == 100
    timing = repeat(lambda: client.get("/api/v1/opportunities/", {"page_size": 100}), runs=runs)
    record("API list, first page: p95", f"{timing.p95:.1f} ms (median {timing.median:.1f} ms)", "≤ 100 ms",
           timing.p95 <= 100)
    record("API list, first page queries", str(timing.max_queries), "≤ 10", timing.max_queries <= 10)
    cursor = _cursor_at(depth)
    deep = client.get("/api/v1/opportunities/", {"page_size": 100, "cursor": cursor})
    assert deep.status_code == 200 and len(deep.json()["results"]) == 100, deep.content[:300]
    timing = repeat(lambda: client.get("/api/v1/opportunities/", {"page_size": 100, "cursor": cursor}), runs=runs)
    record(f"API list, {depth:,} deep: p95", f"{timing.p95:.1f} ms (median {timing.median:.1f} ms)",
           "≤ 100 ms", timing.p95 <= 100)
    record(f"API list, {depth:,} deep queries", str(timing.max_queries), "≤ 10", timing.max_queries <= 10)
    return token


# --- 3. bulk upsert -------------------------------------------------------------------------

def _items(prefix: str, start: int, count: int, existing: bool, accounts: int) -> list[dict]:
    items = []
    for n in range(start, start + count):
        items.append({
            "external_id": f"bench-opp-{n}" if existing else f"{prefix}-{n}",
            "account_external_id": f"bench-acc-{1 + (n * 7) % accounts}",
            "name": f"Upserted deal {n}", "amount": f"{1000 + n % 9000}.00", "currency": "USD",
            "stage": ["qualify", "discover", "evaluate", "propose", "negotiate"][n % 5],
            "expected_close_date": "2027-03-01",
        })
    return items


def bench_bulk_upsert(total: int, batch: int, accounts: int) -> None:
    from django.db import connection, transaction
    from django.test import Client

    from dealcoach.models import User
    from dealcoach.tokens import api_token_issue

    say(f"3. Bulk upsert of {total:,} opportunities through the API in batches of {batch:,} (half new)")
    admin, _ = User.objects.get_or_create(username="bench_admin", defaults={"role": "admin", "is_superuser": True})
    _, token = api_token_issue(user=admin, name="bench-bulk")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    half = total // 2

    def run_batches(prefix: str, first_existing: int, *, eager: bool) -> tuple[float, int, list[float]]:
        from dealcoach.celery import app

        items = _items(prefix, 1, half, existing=False, accounts=accounts) + \
            _items("", first_existing, half, existing=True, accounts=accounts)
        items.sort(key=lambda item: item["external_id"])
        # The client's own work (encoding the bodies, reading the answers) stays out of the timing,
        # as it would be in another process in front of gunicorn.
        bodies = [json.dumps({"items": items[offset:offset + batch]}) for offset in range(0, total, batch)]
        was_eager, app.conf.task_always_eager = app.conf.task_always_eager, eager
        try:
            responses, batch_seconds = [], []
            for body in bodies:
                batch_started = time.perf_counter()
                responses.append(client.post("/api/v1/opportunities/bulk-upsert/", body,
                                             content_type="application/json"))
                batch_seconds.append(time.perf_counter() - batch_started)
            errors = 0
            for response in responses:
                assert response.status_code in (200, 207), response.content[:500]
                errors += sum(1 for r in response.json()["results"] if r["result"] == "error")
            say("    seconds per batch: " + " ".join(f"{s:.2f}" for s in batch_seconds))
            return sum(batch_seconds), errors, batch_seconds
        finally:
            app.conf.task_always_eager = was_eager

    # One warm-up batch of other rows first: a process's first bulk request also opens the broker
    # connection and imports what the rescoring hand-off needs, once per web process.
    response = client.post("/api/v1/opportunities/bulk-upsert/",
                           {"items": _items("bench-warm-up", 1, batch, existing=False, accounts=accounts)},
                           content_type="application/json")
    assert response.status_code == 200, response.content[:500]

    # As in production, the RSVP rescoring a batch of more than 200 deals queues goes to the
    # worker: here to the bench's Redis, where no worker runs it. The same work with the
    # rescoring inside the request (the test settings' eager Celery) is reported below it.
    # Three runs of different rows (new ones, and existing deals no other run touches); the figure
    # is their median.
    runs = [run_batches(f"bench-new-{n}", first, eager=False) for n, first in enumerate((1, 30_001, 35_001))]
    rates = sorted(total / seconds for seconds, _, _ in runs)
    api_rate = rates[len(rates) // 2]
    errors = sum(e for _, e, _ in runs)
    batches = sorted(s for _, _, seconds in runs for s in seconds)
    batch_median, batch_p95 = batches[len(batches) // 2], batches[min(len(batches) - 1, int(0.95 * len(batches)))]
    eager_seconds, eager_errors, _ = run_batches("bench-eager", 2 * total + 1, eager=True)

    # The same shape of work straight into PostgreSQL: COPY into a temp table, then one
    # INSERT ... ON CONFLICT into deals_opportunity. Measured as the API is: the median of three
    # runs of different rows of the same shapes (half new, half existing deals no other run touches).
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, external_id FROM accounts_account WHERE external_id LIKE 'bench-acc-%%'")
        account_ids = dict((ext, pk) for pk, ext in cursor.fetchall())
        cursor.execute("SELECT slug, id, forecast_category FROM deals_stage")
        stages = {slug: (pk, cat) for slug, pk, cat in cursor.fetchall()}
        cursor.execute("SELECT id FROM dealcoach_user WHERE username = 'bench_admin'")
        owner_id = cursor.fetchone()[0]

    def run_raw(prefix: str, first_existing: int) -> float:
        raw = _items(prefix, 1, half, existing=False, accounts=accounts) + \
            _items("", first_existing, half, existing=True, accounts=accounts)
        buffer = io.StringIO()
        for item in raw:
            stage_id, category = stages[item["stage"]]
            buffer.write("\t".join([item["external_id"], str(account_ids[item["account_external_id"]]),
                                    str(owner_id), item["name"], item["amount"], "USD", str(stage_id), category,
                                    item["expected_close_date"]]) + "\n")
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            raw_cursor = cursor.cursor
            raw_cursor.execute("CREATE TEMP TABLE bench_raw (external_id text, account_id bigint, owner_id bigint, "
                               "name text, amount numeric, currency text, stage_id bigint, forecast_category text, "
                               "expected_close_date date) ON COMMIT DROP")
            with raw_cursor.copy("COPY bench_raw FROM STDIN") as copy:
                copy.write(buffer.getvalue())
            raw_cursor.execute("""
                INSERT INTO deals_opportunity (external_id, account_id, owner_id, name, amount, currency, stage_id,
                    status, lost_reason, expected_close_date, budget_status, compelling_event, consequence_if_missed,
                    success_criteria, business_value, competitors, strategy, strategy_notes, notes,
                    forecast_category, created_at, updated_at)
                SELECT external_id, account_id, owner_id, name, amount, currency, stage_id, 'open', '',
                       expected_close_date, 'unknown', '', '', '', '', '["do nothing"]', '', '', '',
                       forecast_category, now(), now()
                FROM bench_raw ORDER BY external_id
                ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name, amount = EXCLUDED.amount,
                    stage_id = EXCLUDED.stage_id, expected_close_date = EXCLUDED.expected_close_date,
                    updated_at = now()""")
        return time.perf_counter() - started

    # Existing deals from ranges none of the API's runs touch (theirs start at 1, 20,001, 30,001, 35,001).
    raw_runs = sorted(run_raw(f"bench-raw-{n}", first) for n, first in enumerate((half + 1, 2 * half + 1,
                                                                                  3 * half + 1)))
    raw_seconds = raw_runs[len(raw_runs) // 2]
    raw_rate = total / raw_seconds
    record("bulk upsert through the API (rescoring queued to the worker): median of 3 runs",
           f"{api_rate:,.0f} rows/s (runs: {', '.join(f'{r:,.0f}' for r in rates)} rows/s; per 1,000-row batch "
           f"median {batch_median:.2f} s, p95 {batch_p95:.2f} s; {errors} item errors)",
           "≥ 5,000 rows/s", api_rate >= 5000)
    record("bulk upsert through the API, rescoring inline (eager Celery)",
           f"{total / eager_seconds:,.0f} rows/s ({eager_seconds:.2f} s, {eager_errors} item errors)", "—", None)
    record("raw COPY + INSERT ON CONFLICT, same row shapes: median of 3 runs",
           f"{raw_rate:,.0f} rows/s (runs: {', '.join(f'{total / s:,.0f}' for s in reversed(raw_runs))} rows/s)",
           "—", None)
    ratio = api_rate / raw_rate
    record("API ÷ raw", f"{ratio:.1%}", "≥ 20%", ratio >= 0.20)


# --- 7. the rep's pages ----------------------------------------------------------------------

def bench_rep_pages(runs: int) -> None:
    """My deals and the deal page of the benchmarked rep (`--rep-deals` open deals, coaching
    panels and columns registered as in production). The suite asserts that neither page's
    query count grows with the rep's deals (tests/deals/test_views_*)."""
    from django.test import Client

    from bench.measure import repeat
    from dealcoach.models import User
    from deals.selectors import opportunities_visible_to

    rep = User.objects.get(username="bench_rep_1_1")
    open_deals = opportunities_visible_to(rep).filter(status="open")
    count = open_deals.count()
    deal = open_deals.order_by("-amount", "id").first()
    say(f"7. The rep's pages (bench_rep_1_1, {count:,} open deals): My deals and the deal page")
    client = Client()
    client.force_login(rep)
    for label, path in (("My deals", "/deals/"), ("deal page", f"/deals/{deal.pk}/")):
        status = client.get(path).status_code
        timing = repeat(lambda path=path: client.get(path), runs=runs)
        record(f"{label}, rep with {count:,} open deals: p95", f"{timing.p95:.0f} ms (median {timing.median:.0f} ms)",
               "≤ 150 ms", timing.p95 <= 150, f"HTTP {status}")
        record(f"{label} queries", f"{timing.max_queries} every run" if min(timing.queries) == timing.max_queries
               else f"{min(timing.queries)}..{timing.max_queries}", "constant",
               min(timing.queries) == timing.max_queries)


# --- 4. sweep -----------------------------------------------------------------------------

def _child(job: str, as_of: date) -> dict:
    output = subprocess.run([sys.executable, "-m", "bench.child", job, as_of.isoformat()], cwd=ROOT,
                            capture_output=True, text=True, check=True, env=os.environ.copy())
    return json.loads(output.stdout.strip().splitlines()[-1])


def bench_sweep(as_of: date, open_deals: int) -> None:
    say(f"4. Stale-deal sweep over {open_deals:,} open deals (fresh process each run)")
    # A same-day rerun re-checks what was written within 30 s before the previous sweep began
    # (a margin for clock skew, see docs/stale.md). The generator has just written every row:
    # wait it out, or the rerun would measure a full re-check of data no real day produces.
    time.sleep(31)
    first = _child("sweep", as_of)
    record("sweep, first run", f"{first['seconds']:.1f} s, peak RSS {first['peak_rss_mb']:.0f} MB",
           "≤ 60 s, ≤ 500 MB", first["seconds"] <= 60 and first["peak_rss_mb"] <= 500,
           f"raised {first.get('raised', '?'):,}" if isinstance(first.get("raised"), int) else "")
    rerun = _child("sweep", as_of)
    record("sweep, rerun with nothing to change", f"{rerun['seconds']:.1f} s, peak RSS {rerun['peak_rss_mb']:.0f} MB",
           "≤ 5 s", rerun["seconds"] <= 5,
           f"raised {rerun.get('raised', '?')}, cleared {rerun.get('cleared', '?')}")


# --- 5. rescoring -------------------------------------------------------------------------

def bench_rescoring(count: int, as_of: date) -> None:
    from coaching.rsvp.services import deal_scores_recompute
    from deals.models import Opportunity

    say(f"5. RSVP rescoring of {count:,} deals")
    # In a process prepared as a Celery pool process is (dealcoach/celery.py), where rescoring runs.
    from dealcoach.celery import prepare_worker_process

    prepare_worker_process()
    ids = list(Opportunity.objects.filter(status="open").order_by("id").values_list("id", flat=True)[:count])
    started = time.perf_counter()
    deal_scores_recompute(opportunity_ids=ids, as_of=as_of)
    seconds = time.perf_counter() - started
    rate = len(ids) / seconds
    record("RSVP rescoring", f"{rate:,.0f} deals/s ({seconds:.1f} s for {len(ids):,})", "≥ 5,000 deals/s",
           rate >= 5000)


# --- 6. throughput under gunicorn ---------------------------------------------------------

# --- 8. close-plan scheduling across the date horizon (issue 18, finding 1) ----------------------

def bench_schedule(runs: int, as_of: date) -> None:
    """The scheduler is pure: time the default template built back from the nearest and the
    farthest go-live the horizon allows. Business days are counted with numpy, so both cost
    the same (walking the days one by one took ~0.6 s per century)."""
    from coaching.closeplan.schedule import schedule_plan
    from coaching.closeplan.templates_default import DEFAULT_TEMPLATE
    from dealcoach.dates import HORIZON_END

    milestones = list(DEFAULT_TEMPLATE)
    for label, go_live in (("go-live in 6 months", as_of + timedelta(days=182)), ("go-live 2100-12-31", HORIZON_END)):
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            schedule_plan(go_live_date=go_live, milestones=milestones, as_of=as_of)
            timings.append(time.perf_counter() - started)
        median_ms = statistics.median(timings) * 1000
        record(f"8. schedule the default plan, {label}", f"{median_ms:.2f} ms median of {runs}", "< 50 ms",
               median_ms < 50)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wrk(url: str, header: str, seconds: int, connections: int) -> tuple[float, int, str]:
    # wrk's default 2 s timeout drops every response slower than that without counting it as a
    # request: with 8 connections queued on 2 workers a page that takes ~0.5 s already waits
    # longer, and the run reported 0.0 req/s. Give it a timeout long enough to see the real rate
    # (a timed-out request still counts as an error).
    result = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency",
                             "-H", header, url],
                            capture_output=True, text=True, timeout=seconds + 60)
    text = result.stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if result.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed (exit {result.returncode}): {result.stderr.strip() or text.strip()}")
    rps = float(found.group(1))
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if non2xx:
        errors += int(non2xx.group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    p99 = re.search(r"99%\s+([\d.]+\w+)", text)
    return rps, errors, p99.group(1) if p99 else "?"


def _wait_for_server(server: subprocess.Popen, url: str, header: str) -> None:
    """Until gunicorn answers `url` with 200 (not a redirect to the log-in page: wrk counts a 3xx
    as a success, so a dead session would look like a fast page)."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    name, value = header.split(": ", 1)
    last = "no answer"
    for _ in range(150):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode} before answering")
        try:
            with opener.open(urllib.request.Request(url, headers={name: value}), timeout=30) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{url} answered HTTP {error.code} ({error.headers.get('Location', '')})") from error
        except OSError as error:
            last = str(error)
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url}: {last}")


def bench_throughput(token: str, seconds: int) -> None:
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from dealcoach.models import User
    from dealcoach.security import SESSION_STARTED_KEY

    say(f"6. Throughput under gunicorn (2 workers) with wrk on loopback, {seconds} s each")
    if not shutil.which("wrk"):
        record("review page under load", "not measured: wrk is not installed", "≥ 50 req/s, 0 errors", False)
        return
    manager = User.objects.get(username="bench_mgr_1")
    session = SessionStore()
    session["_auth_user_id"] = str(manager.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = manager.get_session_auth_hash()
    session[SESSION_STARTED_KEY] = time.time()
    session.create()
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dealcoach.settings.test", "DEBUG": "0",
           "DEALCOACH_API_RATE": "1000000/1s"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "dealcoach.wsgi:application", "--bind",
                               f"127.0.0.1:{port}", "--workers", "2", "--threads", "1", "--log-level", "warning"],
                              cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    review = (f"{base}/review/", f"Cookie: {settings.SESSION_COOKIE_NAME}={session.session_key}")
    api = (f"{base}/api/v1/opportunities/?page_size=100", f"Authorization: Bearer {token}")
    try:
        try:
            _wait_for_server(server, *review)
            _wait_for_server(server, *api)
        except RuntimeError as error:
            record("review page under load", f"not measured: {error}", "≥ 50 req/s, 0 errors", False)
            return
        # Warm: each worker computes the body once, then serves it from its cache until a change.
        rps, errors, p99 = _wrk(*review, seconds, 8)
        record("review page under load (2 workers, 8 connections, warm review cache)", f"{rps:.1f} req/s, {errors} errors, p99 {p99}",
               "≥ 50 req/s, 0 errors", rps >= 50 and errors == 0)
        # wrk stops sending but gunicorn still works through the requests it had queued: wait for
        # one answer so the next run does not start behind that backlog.
        _wait_for_server(server, *api)
        rps, errors, p99 = _wrk(*api, seconds, 8)
        record("API list under load (2 workers, 8 connections)", f"{rps:.1f} req/s, {errors} errors, p99 {p99}",
               "0 errors", errors == 0)
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- report -------------------------------------------------------------------------------

def _load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


LOAD_AT_START = _load_average()


def write_report(sizes: dict, args, started: datetime) -> None:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    with open("/proc/meminfo") as meminfo:
        memory_gb = int(meminfo.readline().split()[1]) / 1024 / 1024
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    lines = [
        "# Benchmarks",
        "",
        f"Run `make bench` to reproduce (it starts a throwaway PostgreSQL and Redis, loads the data with "
        f"`bench/generate.py`, runs `bench/run.py` and rewrites this file). Last run: {started:%Y-%m-%d %H:%M} UTC.",
        "",
        f"- Machine: {os.cpu_count()} cores ({cpu}), {memory_gb:.0f} GiB RAM, {platform.platform()}",
        f"- Load average (1/5/15 min) when the run started: {LOAD_AT_START}; when it ended: "
        f"{_load_average()} (anything above {os.cpu_count()} means other work shared the cores)",
        f"- PostgreSQL {pg_version} (fsync off, throwaway), Python {platform.python_version()}",
        f"- Data: {sizes['opportunities']:,} open deals, {sizes['accounts']:,} accounts, "
        f"{sizes['stakeholders']:,} stakeholders, {sizes['activities']:,} activities; "
        f"{sizes['teams']} teams of {args.reps_per_team} reps; the benchmarked manager's team holds "
        f"{sizes['team_deals']:,} open deals, its first rep (bench_rep_1_1) {sizes['rep_deals']:,}",
        f"- Repeated runs per timing: {args.runs} (after 2 warm-ups); times are server-side (Django test client "
        f"in-process) except the gunicorn rows (wrk over loopback)",
        "",
        "| figure | measured | target | met |",
        "|---|---|---|---|",
    ]
    for row in RESULTS:
        met = {True: "yes", False: "**no**", None: ""}[row["met"]]
        value = row["value"] + (f" — {row['detail']}" if row["detail"] else "")
        lines.append(f"| {row['figure']} | {value} | {row['target']} | {met} |")
    missed = [r for r in RESULTS if r["met"] is False]
    lines += ["", "## Misses", ""]
    if missed:
        lines += [f"- {r['figure']}: {r['value']} against {r['target']}." for r in missed]
        lines += ["", "See `bench/NOTES.md` for what the profiles show and what was tried."]
    else:
        lines.append("None: every target was met in this run.")
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines) + "\n")
    say(f"Wrote {ROOT / 'BENCHMARKS.md'}")


def main(argv=None) -> None:
    from bench.generate import add_size_arguments

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_size_arguments(parser)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rescore", type=int, default=100_000)
    parser.add_argument("--load-seconds", type=int, default=15)
    parser.add_argument("--skip-load", action="store_true", help="reuse data already in the database")
    parser.add_argument("--only", default="", help="comma-separated benchmark numbers, e.g. 1,2")
    parser.add_argument("--insights-closed", type=int, default=2_500,
                        help="deals the benchmarked team closed in the year of Insights history")
    parser.add_argument("--no-report", action="store_true", help="print the figures, leave BENCHMARKS.md alone")
    args = parser.parse_args(argv)

    from bench.generate import _setup_django, generate

    _setup_django()
    started = datetime.utcnow()
    as_of = date.today()
    only = {int(x) for x in args.only.split(",") if x}
    sizes = {"teams": args.teams, "accounts": args.accounts, "opportunities": args.opportunities,
             "stakeholders": args.accounts * args.stakeholders_per_account,
             "activities": args.opportunities * args.activities_per_opportunity, "team_deals": args.team_deals,
             "rep_deals": args.rep_deals}
    if not args.skip_load:
        sizes = generate(accounts=args.accounts, opportunities=args.opportunities,
                         stakeholders_per_account=args.stakeholders_per_account,
                         activities_per_opportunity=args.activities_per_opportunity, teams=args.teams,
                         reps_per_team=args.reps_per_team, team_deals=args.team_deals, rep_deals=args.rep_deals,
                         as_of=as_of, progress=say)

    def want(number: int) -> bool:
        return not only or number in only

    token = None
    # The sweep raises the flags the review page reads: run it first.
    # (The rescoring below prepares its process as a Celery pool process; the web benchmarks
    # after it run in a process prepared as dealcoach/wsgi.py prepares gunicorn's.)
    if want(4):
        bench_sweep(as_of, args.opportunities)
    if want(5):
        settle_database()
        bench_rescoring(min(args.rescore, args.opportunities), as_of)
    if want(1) or want(2) or want(3) or want(7):
        from dealcoach.wsgi import prepare_web_process

        settle_database()
        prepare_web_process()
    if want(1):
        bench_review_page(args.runs)
    if want(7):
        bench_rep_pages(args.runs)
    if want(2) or want(6):
        token = bench_api_list(args.runs, depth=min(900_000, args.opportunities - 200))
    if want(3):
        bench_bulk_upsert(10_000, 1_000, args.accounts)
    if want(6):
        bench_throughput(token, args.load_seconds)
    if want(9):  # last: its history adds closed deals, which the figures above do not expect
        if not (want(1) or want(2) or want(3) or want(7)):
            from dealcoach.wsgi import prepare_web_process

            prepare_web_process()
        bench_insights_page(args.runs, teams=args.teams, reps_per_team=args.reps_per_team,
                            team_deals=min(args.team_deals, args.opportunities), closed=args.insights_closed,
                            as_of=as_of)
    if want(8):
        bench_schedule(args.runs, as_of)
    if not args.no_report:
        write_report(sizes, args, started)


if __name__ == "__main__":
    main()
