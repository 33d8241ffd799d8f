#!/usr/bin/env bash
# The run command: SQLite, Celery tasks run eagerly, demo data, demo logins.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
export DJANGO_SETTINGS_MODULE=dealcoach.settings.dev
export CELERY_TASK_ALWAYS_EAGER=1
python manage.py migrate --noinput -v0
python manage.py seed_demo
echo
echo "dealcoach is running at http://127.0.0.1:8000/"
echo "  manager: maria / demo-pass-2026   (weekly pipeline review)"
echo "  reps:    rob, rita, raj / demo-pass-2026   (deal desk)"
echo "  admin:   admin / demo-pass-2026   (also /admin/)"
echo
exec python manage.py runserver 127.0.0.1:8000
