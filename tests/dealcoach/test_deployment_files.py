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


APP_SERVICES = ("web", "worker", "beat", "relay", "migrate")
LONG_RUNNING = ("web", "worker", "beat", "relay")


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per Dockerfile instruction, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def dockerignore() -> set[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_app_services_share_one_image_and_use_the_entry_point_roles():
    services = compose()["services"]
    roles = entrypoint_roles()
    assert set(APP_SERVICES) <= roles
    images = set()
    for name in APP_SERVICES:
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


def test_the_build_context_leaves_out_the_virtualenv_and_local_state():
    ignored = dockerignore()
    # .venv is ~0.5 GB; .serve holds `make serve`'s PostgreSQL data and its secret_key.
    assert {".git", ".venv", ".serve", "db.sqlite3", "staticfiles", "node_modules", ".cache"} <= ignored


def test_dependencies_are_installed_before_the_code_is_copied():
    steps = dockerfile_instructions()
    copy_project = steps.index(("COPY", ". ."))
    copy_deps = steps.index(("COPY", "pyproject.toml ./"))
    install = next(i for i, (op, args) in enumerate(steps) if op == "RUN" and "pip install" in args)
    assert copy_deps < install < copy_project


def test_static_files_are_collected_at_build_and_not_again_at_start():
    steps = dockerfile_instructions()
    copy_project = steps.index(("COPY", ". ."))
    collect = next(i for i, (op, args) in enumerate(steps) if op == "RUN" and "collectstatic" in args)
    assert collect > copy_project
    assert any(op == "ENV" and "DEALCOACH_STATIC_BUILT=1" in args for op, args in steps[collect:])
    entrypoint = (ROOT / "scripts/entrypoint.sh").read_text()
    assert 'if [ "${DEALCOACH_STATIC_BUILT:-0}" != "1" ]; then' in entrypoint


def test_the_image_runs_as_a_non_root_user_after_building():
    steps = dockerfile_instructions()
    users = [(i, args) for i, (op, args) in enumerate(steps) if op == "USER"]
    assert users and users[-1][1] not in ("root", "0")
    last_run = max(i for i, (op, _) in enumerate(steps) if op == "RUN")
    assert users[-1][0] > last_run
    assert any(op == "RUN" and "useradd" in args and users[-1][1] in args for op, args in steps)


def test_the_image_has_a_healthcheck_on_the_liveness_probe():
    (healthcheck,) = [args for op, args in dockerfile_instructions() if op == "HEALTHCHECK"]
    assert "/healthz/" in healthcheck and "CMD" in healthcheck


def test_long_running_services_start_after_migrations_completed():
    services = compose()["services"]
    for name in LONG_RUNNING:
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
    assert services["migrate"]["restart"] == "no"


def test_the_outbox_relay_runs_as_its_own_service():
    services = compose()["services"]
    assert services["relay"]["command"] == ["relay"]
    entrypoint = (ROOT / "scripts/entrypoint.sh").read_text()
    assert 'exec "$PYTHON" manage.py relay_outbox' in entrypoint


def test_long_running_services_restart_unless_stopped():
    services = compose()["services"]
    for name in (*LONG_RUNNING, "postgres", "redis"):
        assert services[name]["restart"] == "unless-stopped", name


def test_the_https_redirect_is_configurable_and_off_in_compose():
    env = compose()["services"]["web"]["environment"]
    assert env["SECURE_SSL_REDIRECT"] == "${SECURE_SSL_REDIRECT:-0}"
    assert env["SECURE_COOKIES"] == "${SECURE_COOKIES:-0}"
    text = (ROOT / "docker-compose.yml").read_text()
    assert "TLS-terminating" in text and "proxy" in text  # the note on putting a proxy in front
    production = (ROOT / "dealcoach/settings/production.py").read_text()
    assert 'SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)' in production


def test_make_serve_runs_the_same_roles():
    serve = (ROOT / "scripts/serve.sh").read_text()
    for role in ("migrate", "web", "worker", "beat"):
        assert f"scripts/entrypoint.sh {role}" in serve


def test_entry_point_commands_name_real_modules():
    text = (ROOT / "scripts/entrypoint.sh").read_text()
    assert "gunicorn dealcoach.wsgi:application" in text
    for role in ("worker", "beat"):
        assert re.search(rf'celery -A dealcoach "\$\{{celery_quiet\[@\]\}}" {role} ', text), role


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


def test_production_reports_errors_to_sentry_when_a_dsn_is_set():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "SENTRY_DSN")}
    env.update(DJANGO_SETTINGS_MODULE="dealcoach.settings.production", SECRET_KEY="k" * 20 + "Zq9-" * 10,
               DATABASE_URL="postgres://x@127.0.0.1/x")
    probe = "import sentry_sdk; print(sentry_sdk.get_client().is_active())"

    def sentry_active(dsn: str | None) -> str:
        run_env = {**env, **({"SENTRY_DSN": dsn} if dsn else {})}
        result = subprocess.run([sys.executable, "manage.py", "shell", "-c", probe], cwd=ROOT, env=run_env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    assert sentry_active("https://public-key@sentry.invalid/1") == "True"
    assert sentry_active(None) == "False"
