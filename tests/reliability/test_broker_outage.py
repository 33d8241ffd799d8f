"""Finding 2 of issue 18: a Redis outage must not kill the worker. The real
Redis is stopped and started again twice under a real worker (started as
production starts it, scripts/entrypoint.sh worker); the worker reconnects on
its own and runs a task after each outage."""

import signal
import sys

import pytest

from tests.reliability.probe_tasks import PROBE_TASK, probe_runs
from tests.reliability.shape import Processes, free_port, process_env, start_redis, wait_for
from tests.reliability.test_worker_killed import send

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("migration_rows"), pytest.mark.timeout(150)]


def test_the_worker_survives_two_redis_outages_and_runs_tasks_after_each(tmp_path):
    processes = Processes(tmp_path)
    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    env = process_env(CELERY_BROKER_URL=redis_url, REDIS_URL=redis_url, WORKER_CONCURRENCY="1",
                      CELERY_LOG_LEVEL="info", PYTHON=sys.executable)

    def log() -> str:
        return (tmp_path / "worker.log").read_text(errors="replace")

    try:
        start_redis(processes, port)
        worker = processes.start("worker", ["bash", "scripts/entrypoint.sh", "worker",
                                            "-I", "tests.reliability.probe_tasks"], env)
        wait_for(lambda: "ready." in log(), timeout=60, what="the worker to start")
        for marker in (1, 2, 3):
            if marker > 1:  # an outage: Redis goes away under the connected worker, then comes back
                lost_before = log().count("Connection to broker lost")
                retries_before = log().count("Trying again in")
                processes.stop("redis", signal.SIGKILL)
                wait_for(lambda n=lost_before: log().count("Connection to broker lost") > n, timeout=30,
                         what="the worker to notice the outage")
                # Down long enough for the worker to fail reconnecting at least twice.
                wait_for(lambda n=retries_before: log().count("Trying again in") >= n + 2, timeout=30,
                         what="the worker to retry the broker")
                start_redis(processes, port)
            send(redis_url, PROBE_TASK, marker=marker)
            wait_for(lambda m=marker: probe_runs().get(m) == 1, timeout=60,
                     what=f"the worker to run task {marker}\n{log()[-3000:]}")
            assert worker.poll() is None, log()[-3000:]
        assert "Unrecoverable error" not in log()
    finally:
        processes.stop_all()
