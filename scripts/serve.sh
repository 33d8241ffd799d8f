#!/usr/bin/env bash
# The production shape without Docker: PostgreSQL + Redis + gunicorn + one
# Celery worker + one Celery beat, all on this machine, data kept in .serve/.
# Ctrl-C stops everything. Same entry points as docker-compose.yml.
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
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  services_stop
}
trap cleanup EXIT INT TERM
bash scripts/entrypoint.sh migrate
bash scripts/entrypoint.sh web & pids+=($!)
bash scripts/entrypoint.sh worker & pids+=($!)
BEAT_SCHEDULE_FILE="$SERVICES_DIR/celerybeat-schedule" bash scripts/entrypoint.sh beat & pids+=($!)
if [ -f dealcoach/outbox/management/commands/relay_outbox.py ]; then
  "$PYTHON" manage.py relay_outbox & pids+=($!)
fi
echo "dealcoach (production shape) on http://$BIND:$PORT/ — Ctrl-C to stop"
wait -n "${pids[@]}"
