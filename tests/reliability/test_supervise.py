"""scripts/serve.sh runs each app process under scripts/supervise.sh: a process
that dies (even by kill -9) is restarted with a back-off and logged, and its
neighbours (PostgreSQL, Redis, the other processes) are left alone."""

import os
import signal
import subprocess

import pytest

from tests.reliability.shape import ROOT, wait_for

SCRIPT = """
source scripts/supervise.sh
supervise flaky bash -c 'echo run >> "$RUNS"; exit 3' & flaky=$!
supervise steady bash -c 'echo $$ > "$STEADY_PID"; exec sleep 300' & steady=$!
echo "$flaky $steady" > "$SUPERVISORS"
wait
"""


@pytest.mark.slow  # the back-off under test waits 1 s, then 2 s
def test_it_restarts_a_process_that_dies_with_a_back_off_and_leaves_the_others_alone(tmp_path):
    runs, steady_pid, supervisors, log = (tmp_path / n for n in ("runs", "steady.pid", "supervisors", "log"))
    env = {**os.environ, "RUNS": str(runs), "STEADY_PID": str(steady_pid), "SUPERVISORS": str(supervisors),
           "SUPERVISE_LOG": str(log), "SUPERVISE_MAX_DELAY": "2"}
    shell = subprocess.Popen(["bash", "-c", SCRIPT], cwd=ROOT, env=env, start_new_session=True,
                             stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: runs.exists() and len(runs.read_text().split()) >= 3, timeout=20,
                 what="the flaky process to be restarted twice")
        assert log.read_text().count("flaky exited with status 3; restarting in") >= 2
        assert "restarting in 1s" in log.read_text() and "restarting in 2s" in log.read_text()

        # kill -9 of a long-running process: restarted, with a new pid.
        first = int(steady_pid.read_text())
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: steady_pid.read_text().strip() and int(steady_pid.read_text()) != first, timeout=20,
                 what="the killed process to be restarted")
        assert "steady exited with status 137" in log.read_text()

        # SIGTERM to a supervisor stops its process and the restarts.
        flaky, steady = (int(pid) for pid in supervisors.read_text().split())
        second = int(steady_pid.read_text())
        os.kill(steady, signal.SIGTERM)
        wait_for(lambda: not os.path.exists(f"/proc/{second}") or _zombie(second), timeout=20,
                 what="the supervised process to stop with its supervisor")
        os.kill(flaky, signal.SIGTERM)
        shell.wait(timeout=20)
    finally:
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGKILL)
            shell.wait(timeout=10)


def _zombie(pid: int) -> bool:
    """Exited: a zombie, or gone. A process reaped while /proc is read answers ESRCH
    (ProcessLookupError) rather than ENOENT: both mean it has stopped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] == "Z"
    except (FileNotFoundError, ProcessLookupError):
        return True


def test_make_serve_supervises_every_app_process_and_never_stops_the_databases_on_a_crash():
    serve = (ROOT / "scripts/serve.sh").read_text()
    for role in ("web", "worker", "beat"):
        assert f"supervise {role} bash scripts/entrypoint.sh {role}" in serve
    assert "supervise relay" in serve
    assert "wait -n" not in serve  # the old script stopped everything when any one process exited
