"""Shared fixtures: the named users of every permission test, and the browser.

- alice: a rep on the North team
- bob: manages the North team (alice's manager)
- charlie: a rep on the South team
- dave: manages the South team
- admin: sees everything
"""

import fcntl
import hashlib
import importlib
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import AccountFactory, OpportunityFactory, TeamFactory, UserFactory
from tests.tables import TableRows, tables_copy_out, tables_replace

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
TEST_PASSWORD = "password-for-tests-1"


@pytest.fixture
def north(db):
    return TeamFactory(name="North")


@pytest.fixture
def south(db):
    return TeamFactory(name="South")


def _manager_of(team, username: str):
    user = UserFactory(username=username, role="manager", team=team)
    team.manager = user
    team.save()
    return user


@pytest.fixture
def bob(north):
    return _manager_of(north, "bob")


@pytest.fixture
def alice(north, bob):
    return UserFactory(username="alice", role="rep", team=north)


@pytest.fixture
def dave(south):
    return _manager_of(south, "dave")


@pytest.fixture
def charlie(south, dave):
    return UserFactory(username="charlie", role="rep", team=south)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def alice_deal(alice):
    return OpportunityFactory(account=AccountFactory(owner=alice, name="Northwind"), name="Northwind rollout")


@pytest.fixture
def charlie_deal(charlie):
    return OpportunityFactory(account=AccountFactory(owner=charlie, name="Southwind"), name="Southwind pilot")


# --- Transactional tests ---------------------------------------------------------

DATA_MIGRATIONS = [
    ("deals.migrations.0002_default_stages", "add_default_stages"),
    ("coaching.closeplan.migrations.0002_default_template", "create_default_template"),
    ("coaching.rsvp.migrations.0002_default_questions", "add_default_questions"),
]


def restore_data_migrations() -> None:
    """Transactional tests flush every table, the rows of data migrations too:
    put them back (the forward functions are idempotent)."""
    from django.apps import apps

    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def migration_rows(transactional_db):
    restore_data_migrations()


# --- The demo pipeline, built once per session ----------------------------------------

@pytest.fixture(scope="session")
def demo_pipeline_rows(django_db_setup, django_db_blocker, tmp_path_factory) -> TableRows:
    """Today's demo pipeline (`seed_demo`) as every table's rows, built once per test session.

    The first test process to need it builds it, the others (pytest-xdist) wait on a file lock
    and read the rows it left in the session's temporary folder. It is built the way a
    transactional test built it (a flushed database with the data-migration rows, autocommit,
    so on-commit work runs at once); the database is then put back as it was."""
    session_dir = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        session_dir = session_dir.parent  # the workers' folders are in the session's
    built = session_dir / "demo-pipeline.pickle"
    with open(session_dir / "demo-pipeline.lock", "w") as build_lock:
        fcntl.flock(build_lock, fcntl.LOCK_EX)
        if not built.exists():
            with django_db_blocker.unblock():
                rows = _demo_pipeline_build()
            built.write_bytes(pickle.dumps(rows))
            return rows
    return pickle.loads(built.read_bytes())


def _demo_pipeline_build() -> TableRows:
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        before = tables_copy_out(cursor.cursor)
    try:
        call_command("flush", interactive=False, verbosity=0, reset_sequences=False)
        restore_data_migrations()
        call_command("seed_demo", verbosity=0)
        with connection.cursor() as cursor:
            return tables_copy_out(cursor.cursor)
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            tables_replace(cursor.cursor, before)
        ContentType.objects.clear_cache()


@pytest.fixture
def demo_pipeline(transactional_db, demo_pipeline_rows):
    """Today's demo pipeline in the test database, for transactional tests (the live
    server and the browser see it); the logins are in `deals.demo`."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        tables_replace(cursor.cursor, demo_pipeline_rows)
    ContentType.objects.clear_cache()
    # The demo's rows keep the ids of the build, which may be another process's: what the
    # cache holds about those ids (an earlier test's objects, or the demo as changed by an
    # earlier demo test) is not about these rows.
    cache.clear()


# --- Browser ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    path = Path(os.environ.get("SCREENSHOTS_DIR", ".screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser():
    """A real headless Chromium (Debian's), driven by Playwright."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; the test command installs it (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Factory for fresh, isolated browser contexts (one per user)."""
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


# htmx marks an element while its request is in flight, then while the answer is swapped in and settles.
HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling"


def wait_for_htmx(page) -> None:
    """Wait until the loaded page's htmx work is done (its `hx-trigger="load"` sections are in).

    Instead of Playwright's "networkidle", which always waits for 500 ms without a request:
    htmx issues a load-triggered request while it processes the page, before the `load`
    event `goto` and navigations wait for, and marks it until the answer has settled; an
    event (a change, an `HX-Trigger` header) starts its request at once. Not for triggers
    with a `delay:`, whose request starts later."""
    page.wait_for_function(f"() => !document.querySelector({HTMX_BUSY!r})")


def browser_login(page, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    wait_for_htmx(page)


@pytest.fixture(autouse=True)
def _forget_cached_reference_data():
    """Exchange rates and holidays are cached and forgotten on save; a test's rollback saves
    nothing, so forget them around each test instead (the next test must not see this one's)."""
    from django.core.cache import cache

    from coaching.review.ranking import HOLIDAYS_CACHE_KEY
    from dealcoach.rates.selectors import RATES_CACHE_KEY

    cache.delete_many([RATES_CACHE_KEY, HOLIDAYS_CACHE_KEY])
    yield
    cache.delete_many([RATES_CACHE_KEY, HOLIDAYS_CACHE_KEY])


# --- npm tools (API client generators, the Node webhook verifier) ---------------------

NPM_PACKAGE_DIR = Path(__file__).resolve().parent / "api" / "clients"
NPM_CACHE = Path(__file__).resolve().parents[1] / ".cache" / "api-clients"


def run_tool(command: list[str], *, cwd: Path, timeout: int = 240, env: dict | None = None):
    """Run a command line tool; fail the test with its output unless it exits 0."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "NO_COLOR": "1", "NO_UPDATE_NOTIFIER": "1", "REDOCLY_TELEMETRY": "off",
           "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", **(env or {})}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="session")
def npm_tools() -> Path:
    """`npm ci` of tests/api/clients/package.json into .cache/api-clients/ (git-ignored),
    redone only when the lock file changes: the folder with its node_modules. One test
    process installs while the others (pytest-xdist) wait on a file lock."""
    if shutil.which("npm") is None:
        pytest.fail("npm not found; scripts/services.sh installs it (apt-get install nodejs npm).")
    lock = (NPM_PACKAGE_DIR / "package-lock.json").read_bytes()
    stamp = NPM_CACHE / f".installed-{hashlib.sha256(lock).hexdigest()[:16]}"
    NPM_CACHE.parent.mkdir(parents=True, exist_ok=True)
    with open(NPM_CACHE.parent / "api-clients.lock", "w") as install_lock:
        fcntl.flock(install_lock, fcntl.LOCK_EX)
        if not stamp.exists():
            shutil.rmtree(NPM_CACHE, ignore_errors=True)
            NPM_CACHE.mkdir(parents=True)
            for name in ("package.json", "package-lock.json"):
                shutil.copy(NPM_PACKAGE_DIR / name, NPM_CACHE / name)
            run_tool(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NPM_CACHE, timeout=600)
            stamp.touch()
    return NPM_CACHE
