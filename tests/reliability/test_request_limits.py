"""A request that still runs long is cut by PostgreSQL's statement timeout in
web processes (dealcoach/wsgi.py), below gunicorn's own timeout; workers and
commands are not capped by it."""

import re
import subprocess
import sys

import pytest

from tests.reliability.shape import ROOT, process_env

pytestmark = [pytest.mark.django_db, pytest.mark.services]
SHOW = ("from django.db import connection\n"
        "with connection.cursor() as c:\n    c.execute('SHOW statement_timeout'); print(c.fetchone()[0])")


def statement_timeout_of(setup: str) -> str:
    result = subprocess.run([sys.executable, "-c", f"{setup}\n{SHOW}"], cwd=ROOT, env=process_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()[-1]


def test_web_processes_cap_every_statement_below_the_gunicorn_timeout():
    assert statement_timeout_of("import dealcoach.wsgi") == "20s"
    gunicorn = re.search(r'--timeout "\$\{WEB_TIMEOUT:-(\d+)\}"', (ROOT / "scripts/entrypoint.sh").read_text())
    assert gunicorn and int(gunicorn.group(1)) > 20


def test_workers_and_commands_are_not_capped():
    assert statement_timeout_of("import django; django.setup()") == "0"
