#!/usr/bin/env bash
# The production shape without Docker: PostgreSQL + Redis + gunicorn + one
# Celery worker + one Celery beat, all on this machine, data kept in .serve/.
# A crashed app process is restarted (scripts/supervise.sh); Ctrl-C stops everything.
# Same entry points as docker-compose.yml.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
export SERVICES_DIR="$PWD/.serve" KEEP_SERVICES_DIR=1
export PG_FSYNC=on PG_SYNC_COMMIT=on
mkdir -p "$SERVICES_DIR"
source scripts/services.sh
services_start
export DJANGO_SETTINGS_MODULE=dealcoach.settings.production
export SECRET_KEY="${SECRET_KEY:-$(cat "$SERVICES_DIR/secret_key" 2>/dev/null || python -c 'import secrets; print(secrets.token_urlsafe(64))' | tee "$SERVICES_DIR/secret_key")}"
# Plain HTTP on loopback: no TLS terminator in front of gunicorn here.
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-0}" ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export PORT="${PORT:-8000}" BIND="${BIND:-127.0.0.1}"
export PYTHON="$VENV/bin/python"
source scripts/supervise.sh
export SUPERVISE_LOG="$SERVICES_DIR/supervise.log"
# Each app process runs under its own supervisor: one that crashes (a kill -9, a broker
# outage) is restarted with a back-off and logged; PostgreSQL and Redis stay up meanwhile.
# Only Ctrl-C (or SIGTERM to this script) stops everything.
supervisors=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${supervisors[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  services_stop
}
trap cleanup EXIT INT TERM
bash scripts/entrypoint.sh migrate
supervise web bash scripts/entrypoint.sh web & supervisors+=($!)
supervise worker bash scripts/entrypoint.sh worker & supervisors+=($!)
BEAT_SCHEDULE_FILE="$SERVICES_DIR/celerybeat-schedule" supervise beat bash scripts/entrypoint.sh beat & supervisors+=($!)
supervise relay "$PYTHON" manage.py relay_outbox & supervisors+=($!)
echo "dealcoach (production shape) on http://$BIND:$PORT/ — Ctrl-C to stop (restarts are logged in $SUPERVISE_LOG)"
wait
