"""Production settings pass Django's deployment checklist."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_manage(*args, env_overrides):
    # The browser fixtures set DJANGO_ALLOW_ASYNC_UNSAFE for this process; production never has it.
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"DJANGO_SETTINGS_MODULE": "dealcoach.settings.production"}, **env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_it_passes_check_deploy_with_production_settings():
    result = _run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        env_overrides={
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://dealcoach@127.0.0.1:5432/dealcoach"),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_strong_secret_key():
    weak = _run_manage("check", env_overrides={"SECRET_KEY": "short", "DATABASE_URL": "postgres://x@127.0.0.1/x"})
    assert weak.returncode != 0
    assert "SECRET_KEY" in weak.stderr
    missing = _run_manage("check", env_overrides={"DATABASE_URL": "postgres://x@127.0.0.1/x"})
    assert missing.returncode != 0
    assert "SECRET_KEY must be set" in missing.stderr


def test_it_sets_the_hardening_flags_in_production():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE,"
        " s.X_FRAME_OPTIONS, s.SECURE_HSTS_SECONDS >= 31536000, s.DEBUG, s.SESSION_COOKIE_AGE,"
        " s.SESSION_SAVE_EVERY_REQUEST, s.SESSION_ABSOLUTE_AGE)"
    )
    result = _run_manage(
        "shell", "-v", "0", "-c", code,
        env_overrides={"SECRET_KEY": secrets.token_urlsafe(64), "DATABASE_URL": "postgres://x@127.0.0.1/x"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "True", "DENY", "True", "False", "1800", "True", "43200"]
