# Throwaway PostgreSQL and Redis for tests, benchmarks and `make serve`.
# Source this file, then call: services_start; ...; services_stop
# Exports DATABASE_URL and REDIS_URL. Everything lives under $SERVICES_DIR.

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"

_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

_as_pg_user() {
  # initdb and postgres refuse to run as root.
  if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

services_install() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -x "$PG_BIN/initdb" ] || missing+=(postgresql)
  if [ -n "${NEED_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
  # The API client tests (tests/api/test_clients.py) run npm tools: openapi-typescript, tsc, redocly.
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]} with apt-get..."
    if [ "$(id -u)" != "0" ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
  fi
}

services_start() {
  services_install
  SERVICES_DIR="${SERVICES_DIR:-$(mktemp -d /tmp/dealcoach-services.XXXXXX)}"
  chmod 755 "$SERVICES_DIR"
  PG_PORT="${PG_PORT:-$(_free_port)}"
  REDIS_PORT="${REDIS_PORT:-$(_free_port)}"
  mkdir -p "$SERVICES_DIR/pg" "$SERVICES_DIR/redis"
  [ "$(id -u)" = "0" ] && chown -R postgres "$SERVICES_DIR/pg"
  local fresh=
  if [ ! -f "$SERVICES_DIR/pg/data/PG_VERSION" ]; then
    fresh=1
    _as_pg_user "$PG_BIN/initdb" -D "$SERVICES_DIR/pg/data" -U dealcoach --auth=trust -E UTF8 --no-sync >/dev/null
  fi
  # Later settings win in postgresql.conf, so re-appending on restart is harmless.
  cat >> "$SERVICES_DIR/pg/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$SERVICES_DIR/pg'
fsync = ${PG_FSYNC:-off}
synchronous_commit = ${PG_SYNC_COMMIT:-off}
full_page_writes = ${PG_FSYNC:-off}
max_connections = 200
shared_buffers = ${PG_SHARED_BUFFERS:-256MB}
work_mem = 32MB
maintenance_work_mem = 256MB
CONF
  _as_pg_user "$PG_BIN/pg_ctl" -D "$SERVICES_DIR/pg/data" -l "$SERVICES_DIR/pg/log" -w start >/dev/null
  [ -n "$fresh" ] && _as_pg_user "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U dealcoach dealcoach
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --daemonize yes --pidfile "$SERVICES_DIR/redis/pid" --logfile "$SERVICES_DIR/redis/log" \
    --dir "$SERVICES_DIR/redis"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export PG_BIN SERVICES_DIR PG_PORT REDIS_PORT
  export DATABASE_URL="postgres://dealcoach@127.0.0.1:$PG_PORT/dealcoach"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export CELERY_BROKER_URL="$REDIS_URL"
  echo "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT (in $SERVICES_DIR)"
}

services_stop() {
  [ -n "${SERVICES_DIR:-}" ] || return 0
  if [ -f "$SERVICES_DIR/redis/pid" ]; then kill "$(cat "$SERVICES_DIR/redis/pid")" 2>/dev/null || true; fi
  if [ -d "$SERVICES_DIR/pg/data" ]; then
    _as_pg_user "$PG_BIN/pg_ctl" -D "$SERVICES_DIR/pg/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  [ -n "${KEEP_SERVICES_DIR:-}" ] || rm -rf "$SERVICES_DIR"
}
