#!/usr/bin/env bash
# PostgreSQL from the operating system's packages, as a project-local cluster on 127.0.0.1:$KEYWAY_PG_PORT.
# One database and role per service (and one test database each), password (SCRAM) auth over TCP.
#   postgres.sh up | down | status
source "$(dirname "$0")/lib.sh"

# service role = database owner; each gets <db> and <db>_test
DATABASES=(keyway_keys keyway_billing)
# extra databases per role: <db>_test for the service's own tests, <db>_it for other services' integration tests
DB_SUFFIXES=("" _test _it _scratch)

pg_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  [ -n "$d" ] && [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  return 1
}

install_pg() {
  [ "$(id -u)" = 0 ] || die "PostgreSQL server binaries are missing and we are not root: install the 'postgresql' package"
  say "postgres: server binaries missing, installing Debian's postgresql package"
  apt-get update -qq >/dev/null || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || die "apt-get install postgresql failed"
}

# Root may not run the server: run it as the postgres user; anyone else runs it as themselves.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

data_root() {
  # The postgres user must be able to reach the folder; a checkout under a private home may not allow that.
  local d="$KEYWAY_STATE/pg"
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$d"; chown postgres: "$d"
    if ! runuser -u postgres -- test -w "$d"; then
      d="/var/tmp/keyway-pg-$(printf '%s' "$KEYWAY_ROOT" | sha1sum | cut -c1-12)"
      mkdir -p "$d"; chown postgres: "$d"; chmod 700 "$d"
    fi
  else
    mkdir -p "$d"
  fi
  echo "$d"
}

# Settings for the local run (docs/benchmarks.md, billing-service): billing's consumer writes two rows per usage event
# with five index entries, in one transaction per 5,000-event batch. A larger buffer cache and fewer checkpoints mean
# fewer full-page images in the WAL (the random event_id keys touch pages all over their indexes), and lz4 shrinks
# those that remain. Durability is unchanged: fsync, full_page_writes and synchronous_commit stay on. Measured at a
# million events (docs/benchmarks.md, billing-service): no difference, CPU is the limit there; these are for larger tables.
# KEYWAY_PG_TUNING=off starts the server with PostgreSQL's defaults instead.
tuning_opts() {
  [ "${KEYWAY_PG_TUNING:-on}" = off ] && return 0
  local mem_mb shared
  mem_mb=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null || echo 2097152) / 1024 ))
  shared=$(( mem_mb / 8 )); [ "$shared" -gt 1024 ] && shared=1024; [ "$shared" -lt 128 ] && shared=128
  echo "-c shared_buffers=${shared}MB -c wal_buffers=32MB -c effective_cache_size=$(( mem_mb / 2 ))MB" \
    "-c max_wal_size=4GB -c min_wal_size=1GB -c checkpoint_timeout=15min -c checkpoint_completion_target=0.9" \
    "-c wal_compression=lz4 -c maintenance_work_mem=256MB -c random_page_cost=1.1 -c synchronous_commit=on"
}

PGROOT=""
status() {
  PGROOT="$(data_root)"
  [ -f "$PGROOT/data/postmaster.pid" ] && kill -0 "$(head -1 "$PGROOT/data/postmaster.pid")" 2>/dev/null
}

psql_admin() { as_pg "$BIN/psql" -v ON_ERROR_STOP=1 -q -h "$PGROOT" -p "$KEYWAY_PG_PORT" -U postgres -d postgres "$@"; }

up() {
  BIN="$(pg_bin || { install_pg; pg_bin; })" || die "no PostgreSQL server binaries after install"
  if status; then
    say "postgres: already running on 127.0.0.1:$KEYWAY_PG_PORT (data $PGROOT/data)"
  else
    if port_open "$KEYWAY_PG_PORT"; then die "postgres: port $KEYWAY_PG_PORT is taken by another process (set KEYWAY_PG_PORT)"; fi
    if [ ! -f "$PGROOT/data/PG_VERSION" ]; then
      say "postgres: initialising a cluster in $PGROOT/data"
      local pw="$PGROOT/.pwfile"
      head -c 24 /dev/urandom | base64 > "$pw"; [ "$(id -u)" = 0 ] && chown postgres: "$pw"; chmod 600 "$pw"
      as_pg "$BIN/initdb" -D "$PGROOT/data" -U postgres --auth-host=scram-sha-256 --auth-local=trust \
        --no-sync --pwfile="$pw" -E UTF8 --locale=C.UTF-8 >"$PGROOT/initdb.log" 2>&1 \
        || die "postgres: initdb failed, see $PGROOT/initdb.log"
      rm -f "$pw"
    fi
    say "postgres: starting on 127.0.0.1:$KEYWAY_PG_PORT"
    as_pg "$BIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $KEYWAY_PG_PORT -k $PGROOT -c max_connections=200 -c fsync=${KEYWAY_PG_FSYNC:-on} $(tuning_opts)" start >/dev/null \
      || die "postgres: failed to start, see $PGROOT/server.log"
  fi
  local db
  for db in "${DATABASES[@]}"; do
    psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname='$db'" | grep -q 1 \
      || psql_admin -c "CREATE ROLE $db LOGIN PASSWORD '$db'"
    for sfx in "${DB_SUFFIXES[@]}"; do
      name="$db$sfx"
      psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname='$name'" | grep -q 1 \
        || psql_admin -c "CREATE DATABASE $name OWNER $db"
    done
  done
  wait_port "$KEYWAY_PG_PORT" 30 postgres || die "postgres: port $KEYWAY_PG_PORT does not answer"
  say "postgres: ready on 127.0.0.1:$KEYWAY_PG_PORT (databases: ${DATABASES[*]}, each also as <db>_test, <db>_it, <db>_scratch; role = database name = password)"
}

down() {
  if status; then
    BIN="$(pg_bin)"
    as_pg "$BIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null && say "postgres: stopped"
  else
    say "postgres: not running"
  fi
}

case "${1:-status}" in
  up) status || true; up ;;
  down) down ;;
  status) if status; then say "postgres: running on 127.0.0.1:$KEYWAY_PG_PORT"; else say "postgres: not running"; exit 3; fi ;;
  *) die "usage: postgres.sh up|down|status" ;;
esac
