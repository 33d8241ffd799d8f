#!/usr/bin/env bash
# make backup: a pg_dump in custom format (-Fc) of $DATABASE_URL into
# ${BACKUP_DIR:-backups}/dealcoach-<UTC timestamp>.dump. Prints the file name.
# Consistent while the app runs (pg_dump reads one snapshot). See docs/operations.md.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?Set DATABASE_URL to the PostgreSQL database to back up (postgres://user:pass@host:port/db).}"
case "$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "backup: DATABASE_URL is not PostgreSQL" >&2; exit 2 ;; esac
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"
PG_DUMP="$( [ -x "$PG_BIN/pg_dump" ] && echo "$PG_BIN/pg_dump" || command -v pg_dump )"
dir="${BACKUP_DIR:-backups}"
mkdir -p "$dir"
file="$dir/dealcoach-$(date -u +%Y%m%dT%H%M%SZ).dump"
# Write to a temporary name first, so a failed dump never looks like a backup.
"$PG_DUMP" --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$file.partial"
mv "$file.partial" "$file"
echo "$file"
