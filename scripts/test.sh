#!/usr/bin/env bash
# The test command: a virtualenv, a throwaway PostgreSQL and Redis (and
# Chromium for the browser tests), the import contracts, the whole pytest suite,
# then cleanup.
# Exits with pytest's exit code. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh || exit 1
# Dependencies point one way (docs/architecture.md): a broken contract fails the run.
lint-imports --no-cache --no-logo || exit 1
export NEED_CHROMIUM="${NEED_CHROMIUM-1}"  # `make test-fast` runs no browser test
source scripts/services.sh
trap services_stop EXIT
services_start || exit 1
export DJANGO_SETTINGS_MODULE=dealcoach.settings.test
export CELERY_TASK_ALWAYS_EAGER=1
export SCREENSHOTS_DIR="${SCREENSHOTS_DIR:-$PWD/.screenshots}"
mkdir -p "$SCREENSHOTS_DIR"
echo "Browser screenshots go to $SCREENSHOTS_DIR"
python -m pytest "$@"
status=$?
echo "Browser screenshots are in $SCREENSHOTS_DIR"
exit $status
