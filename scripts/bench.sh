#!/usr/bin/env bash
# `make bench`: a throwaway PostgreSQL + Redis (as for the tests), the data
# generator, every benchmark, and BENCHMARKS.md rewritten with the figures.
# Extra arguments go to `python -m bench.run` (e.g. --opportunities 50000).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh || exit 1
if ! command -v wrk >/dev/null 2>&1; then
  echo "Installing wrk (load generator) with apt-get..."
  if [ "$(id -u)" != "0" ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
source scripts/services.sh
trap services_stop EXIT
services_start || exit 1
export DJANGO_SETTINGS_MODULE=dealcoach.settings.test DEBUG=0
python manage.py migrate --noinput -v0 || exit 1
python -m bench.run "$@"
