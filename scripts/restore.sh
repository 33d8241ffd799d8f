#!/usr/bin/env bash
# make restore FILE=backups/dealcoach-....dump: pg_restore --clean --if-exists
# into $DATABASE_URL, creating the database first if it was dropped. Runs in a
# single transaction: a failed restore leaves the database as it was.
# Stop the web app, worker, beat and relay first (see docs/operations.md).
set -euo pipefail
cd "$(dirname "$0")/.."
file="${1:-}"
[ -n "$file" ] || { echo "usage: make restore FILE=backups/dealcoach-....dump" >&2; exit 2; }
[ -f "$file" ] || { echo "restore: no such file: $file" >&2; exit 2; }
: "${DATABASE_URL:?Set DATABASE_URL to the PostgreSQL database to restore into.}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"
tool() { if [ -x "$PG_BIN/$1" ]; then echo "$PG_BIN/$1"; else command -v "$1"; fi; }

# The maintenance database on the same server, to create ours if it is missing.
read -r dbname admin_url < <(python3 - "$DATABASE_URL" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit
url = urlsplit(sys.argv[1])
print(url.path.lstrip("/"), urlunsplit(url._replace(path="/postgres")))
PY
)
exists="$("$(tool psql)" "$admin_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '${dbname//\'/\'\'}'")"
if [ "$exists" != "1" ]; then
  echo "restore: creating database $dbname"
  "$(tool psql)" "$admin_url" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"${dbname//\"/\"\"}\""
fi
"$(tool pg_restore)" --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
  --dbname="$DATABASE_URL" "$file"
echo "restore: $file restored into $dbname"
