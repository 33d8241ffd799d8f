"""The production shape for reliability tests: gunicorn, a Celery worker and the
outbox relay, started from scripts/entrypoint.sh against the test database and
a Redis, on loopback. Bounded waits only (polling a subprocess), never sleeps
on the code under test."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT']}/{s['NAME']}"


def process_env(**overrides) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "dealcoach.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": worker_database_url(),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHON": sys.executable,
        "BIND": "127.0.0.1",
        "CELERY_LOG_LEVEL": "warning",
    })
    env.update(overrides)
    return env


class Processes:
    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = proc
        return proc

    def stop(self, name: str, sig=signal.SIGTERM) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def http_request(port: int, method: str, path: str, *, token: str | None = None, body=None, headers=None,
                 timeout: float = 10.0) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def start_web(processes: Processes, *, redis_url: str, workers: int = 2, threads: int = 8) -> int:
    port = free_port()
    env = process_env(PORT=str(port), CELERY_BROKER_URL=redis_url, REDIS_URL=redis_url,
                      WEB_WORKERS=str(workers), WEB_THREADS=str(threads))
    processes.start("web", ["bash", "scripts/entrypoint.sh", "web"], env)

    def up():
        try:
            return http_request(port, "GET", "/healthz/", timeout=2)[0] == 200
        except OSError:
            return False

    try:
        wait_for(up, timeout=30, what="gunicorn")
    except AssertionError:
        raise AssertionError("gunicorn did not start:\n" + processes.log("web")) from None
    return port


def start_worker(processes: Processes, *, redis_url: str, name: str = "worker", extra: list[str] | None = None,
                 **env_overrides: str):
    env = process_env(CELERY_BROKER_URL=redis_url, REDIS_URL=redis_url, **env_overrides)
    cmd = [sys.executable, "-m", "celery", "-A", "dealcoach", "worker", "--loglevel", "info", "-Q", "celery",
           "--concurrency", "2", "--without-mingle", "--without-gossip", "-I", "tests.reliability.probe_tasks",
           *(extra or [])]
    return processes.start(name, cmd, env)


def start_redis(processes: Processes, port: int) -> None:
    processes.start("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no"], dict(os.environ))

    def up():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_for(up, timeout=10, what="redis-server")
