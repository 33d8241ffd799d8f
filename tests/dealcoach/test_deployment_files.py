"""Docker does not run here, so the Docker files are kept honest against the
entry points that `make serve` really runs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def entrypoint_roles() -> set[str]:
    text = (ROOT / "scripts/entrypoint.sh").read_text()
    return set(re.findall(r"^\s{2}([a-z]+)\)$", text, flags=re.M))


def test_it_describes_web_worker_beat_postgres_and_redis():
    services = compose()["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)


def test_app_services_share_one_image_and_use_the_entry_point_roles():
    services = compose()["services"]
    roles = entrypoint_roles()
    assert {"web", "worker", "beat", "migrate"} <= roles
    images = set()
    for name in ("web", "worker", "beat", "migrate"):
        service = services[name]
        images.add(service["image"])
        assert service["command"] == [name]
        assert service["command"][0] in roles
        env = service["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "dealcoach.settings.production"
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= set(env)
    assert len(images) == 1
    assert services["beat"]["deploy"]["replicas"] == 1


def test_the_image_starts_through_the_entry_point():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["bash", "scripts/entrypoint.sh"]' in dockerfile


def test_make_serve_runs_the_same_roles():
    serve = (ROOT / "scripts/serve.sh").read_text()
    for role in ("migrate", "web", "worker", "beat"):
        assert f"scripts/entrypoint.sh {role}" in serve


def test_entry_point_commands_name_real_modules():
    text = (ROOT / "scripts/entrypoint.sh").read_text()
    assert "gunicorn dealcoach.wsgi:application" in text
    assert "celery -A dealcoach worker" in text and "celery -A dealcoach beat" in text


def run_production_check(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="dealcoach.settings.production", **env_overrides)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_production_refuses_to_start_without_a_secret_key():
    result = run_production_check({"DATABASE_URL": "postgres://x@127.0.0.1/x"})
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = run_production_check({"DATABASE_URL": "postgres://x@127.0.0.1/x", "SECRET_KEY": "short"})
    assert result.returncode != 0 and "at least 50" in result.stderr


def test_production_refuses_to_start_without_a_database_url():
    result = run_production_check({"SECRET_KEY": "k" * 20 + "Zq9-" * 10})
    assert result.returncode != 0 and "DATABASE_URL must be set" in result.stderr
