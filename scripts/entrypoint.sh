#!/usr/bin/env bash
# The production processes, one role per call. docker-compose.yml and
# `make serve` both start dealcoach through this script, so they cannot drift.
#   web     gunicorn on $PORT (default 8000)
#   worker  one Celery worker (acks late, prefetch 1: see settings)
#   beat    THE Celery beat (run exactly one)
#   relay   the outbox relay (publishes queued tasks once the broker takes them)
#   migrate apply migrations and collect static files (the image collects them at build)
set -euo pipefail
role="${1:?usage: entrypoint.sh web|worker|beat|relay|migrate}"
PYTHON="${PYTHON:-python}"
# Worker and beat log JSON lines like web (dealcoach/celery.py); their start banner is not a
# log line, so it is left out unless the logs are for people (LOG_FORMAT=console).
celery_quiet=(--quiet)
if [ "${LOG_FORMAT:-json}" = console ]; then celery_quiet=(); fi
case "$role" in
  migrate)
    "$PYTHON" manage.py migrate --noinput
    if [ "${DEALCOACH_STATIC_BUILT:-0}" != "1" ]; then
      "$PYTHON" manage.py collectstatic --noinput -v0
    fi
    ;;
  web)
    # Every gunicorn process counts into one place, so /metrics sums them (dealcoach/ops/metrics.py).
    if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
      mkdir -p "$PROMETHEUS_MULTIPROC_DIR" && rm -f "$PROMETHEUS_MULTIPROC_DIR"/*.db
    else
      export PROMETHEUS_MULTIPROC_DIR="$(mktemp -d /tmp/dealcoach-metrics.XXXXXX)"
    fi
    # No gunicorn access log: Django logs each request (request_finished) with its request id.
    exec "$PYTHON" -m gunicorn dealcoach.wsgi:application \
      --bind "${BIND:-0.0.0.0}:${PORT:-8000}" --workers "${WEB_WORKERS:-2}" --threads "${WEB_THREADS:-4}" \
      --timeout "${WEB_TIMEOUT:-30}" --graceful-timeout 20 --max-requests 2000 --max-requests-jitter 200
    ;;
  worker)
    # No gossip, mingle or heartbeat: they are for multi-worker events over AMQP, add Redis
    # round-trips, and their restart after a broker outage is where the Redis transport used to
    # crash the worker ('NoneType' object has no attribute 'hostname'). Extra arguments pass on.
    shift
    exec "$PYTHON" -m celery -A dealcoach "${celery_quiet[@]}" worker --loglevel "${CELERY_LOG_LEVEL:-info}" \
      --concurrency "${WORKER_CONCURRENCY:-2}" -Q celery --without-gossip --without-mingle --without-heartbeat "$@"
    ;;
  beat)
    exec "$PYTHON" -m celery -A dealcoach "${celery_quiet[@]}" beat --loglevel "${CELERY_LOG_LEVEL:-info}" \
      --schedule "${BEAT_SCHEDULE_FILE:-/tmp/dealcoach-celerybeat-schedule}"
    ;;
  relay)
    exec "$PYTHON" manage.py relay_outbox
    ;;
  *)
    echo "unknown role: $role" >&2
    exit 2
    ;;
esac
