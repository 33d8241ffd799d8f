#!/usr/bin/env bash
# The test command: a virtualenv, a throwaway PostgreSQL and Redis (and
# Chromium for the browser tests), the import contracts, the whole pytest suite,
# then cleanup.
# Exits with pytest's exit code. Extra arguments go to pytest.
#
# The suite runs in one process per CPU, at most 4 (pytest-xdist); TEST_PROCESSES=1
# runs it in this one process (e.g. for --pdb). Each test process gets a PostgreSQL
# and a Redis of its own (tests/xdist_services.py), so nothing one does reaches another.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh || exit 1
# Dependencies point one way (docs/architecture.md): a broken contract fails the run.
lint-imports --no-cache --no-logo || exit 1
export NEED_CHROMIUM="${NEED_CHROMIUM-1}"  # `make test-fast` runs no browser test
source scripts/services.sh

processes="${TEST_PROCESSES:-$(nproc)}"
[ "$processes" -gt 4 ] && processes=4
[ "$processes" -lt 1 ] && processes=1
service_dirs=()
stop_all_services() {
  for dir in "${service_dirs[@]}"; do SERVICES_DIR="$dir" services_stop; done
}
trap stop_all_services EXIT
for ((worker = 0; worker < processes; worker++)); do
  [ "$processes" -gt 1 ] && unset SERVICES_DIR PG_PORT REDIS_PORT  # a fresh set for each process
  services_start || exit 1
  service_dirs+=("$SERVICES_DIR")
  export "DATABASE_URL_GW$worker=$DATABASE_URL" "REDIS_URL_GW$worker=$REDIS_URL"
done
xdist=()
[ "$processes" -gt 1 ] && xdist=(-n "$processes" --dist load -p tests.xdist_services)

export DJANGO_SETTINGS_MODULE=dealcoach.settings.test
export CELERY_TASK_ALWAYS_EAGER=1
export SCREENSHOTS_DIR="${SCREENSHOTS_DIR:-$PWD/.screenshots}"
mkdir -p "$SCREENSHOTS_DIR"
echo "Browser screenshots go to $SCREENSHOTS_DIR"
python -m pytest "${xdist[@]}" "$@"
status=$?
echo "Browser screenshots are in $SCREENSHOTS_DIR"
exit $status
