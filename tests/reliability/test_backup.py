"""make backup / make restore: a dump taken, the database dropped, the dump
restored — the same rows and a working app."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.tables import tables_replace

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.services


def _url_for(database: str) -> str:
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{database}"))


def _run(cmd, url, **kwargs):
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="dealcoach.settings.test",
               BACKUP_DIR=str(kwargs.pop("backup_dir", ROOT / "backups")))
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, **kwargs)
    assert result.returncode == 0, f"{cmd}: {result.stdout}\n{result.stderr}"
    return result.stdout


def _row_counts(url) -> dict[str, int]:
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.fixture
def scratch_database():
    name = f"dc_backup_{os.getpid()}"
    admin = _url_for("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _url_for(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_it_restores_a_dropped_database_from_a_backup(scratch_database, tmp_path, demo_pipeline_rows):
    url = scratch_database
    _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], url)
    with psycopg.connect(url) as conn:  # the demo pipeline, built once per session (tests/conftest.py)
        tables_replace(conn.cursor(), demo_pipeline_rows)
    before = _row_counts(url)
    assert before["deals_opportunity"] > 0 and before["accounts_account"] > 0

    dump = _run(["bash", "scripts/backup.sh"], url, backup_dir=tmp_path).strip().splitlines()[-1]
    assert dump.endswith(".dump") and Path(dump).stat().st_size > 0

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_url_for("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')

    _run(["bash", "scripts/restore.sh", dump], url)
    assert _row_counts(url) == before

    # The app works on the restored database: no pending migrations, a rep logs in and opens her desk.
    _run([sys.executable, "manage.py", "migrate", "--check", "-v0"], url)
    script = (
        "from django.test import Client; from dealcoach.models import User;"
        "c = Client(); u = User.objects.filter(role='rep').first(); c.force_login(u);"
        "r = c.get('/', follow=True); print(r.status_code, u.opportunities.count())"
    )
    status, deals = _run([sys.executable, "manage.py", "shell", "-v", "0", "-c", script], url).split()[-2:]
    assert status == "200" and int(deals) > 0

    # Restoring over a live database replaces it (pg_restore --clean) with the same rows.
    _run(["bash", "scripts/restore.sh", dump], url)
    assert _row_counts(url) == before
