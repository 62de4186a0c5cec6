#!/usr/bin/env bash
# moto's server: a real AWS API emulator, used for AWS Secrets Manager on 127.0.0.1:$KEYWAY_MOTO_PORT.
#   moto.sh up | down | status
source "$(dirname "$0")/lib.sh"

M="$KEYWAY_STATE/moto"
PIDFILE="$M/moto.pid"

up() {
  mkdir -p "$M"
  if pid_alive "$PIDFILE"; then
    say "moto: already running on 127.0.0.1:$KEYWAY_MOTO_PORT (pid $(cat "$PIDFILE"))"; return 0
  fi
  port_open "$KEYWAY_MOTO_PORT" && die "moto: port $KEYWAY_MOTO_PORT is taken by another process (set KEYWAY_MOTO_PORT)"
  if ! command -v moto_server >/dev/null 2>&1; then
    say "moto: moto_server not found, trying pip install \"moto[server]\""
    python3 -m pip install -q "moto[server]==5.2.1" >/dev/null 2>&1 \
      || die "moto: moto_server is missing and pip could not install it: run pip install \"moto[server]\""
  fi
  say "moto: starting on 127.0.0.1:$KEYWAY_MOTO_PORT"
  nohup moto_server -H 127.0.0.1 -p "$KEYWAY_MOTO_PORT" >"$M/moto.log" 2>&1 < /dev/null &
  echo $! > "$PIDFILE"
  wait_port "$KEYWAY_MOTO_PORT" 30 moto "$(cat "$PIDFILE")" || { tail -5 "$M/moto.log" >&2; die "moto: did not open its port, see $M/moto.log"; }
  say "moto: ready on 127.0.0.1:$KEYWAY_MOTO_PORT"
}

case "${1:-status}" in
  up) up ;;
  down) stop_pidfile "$PIDFILE" moto ;;
  status) if pid_alive "$PIDFILE"; then say "moto: running on 127.0.0.1:$KEYWAY_MOTO_PORT (pid $(cat "$PIDFILE"))"; else say "moto: not running"; exit 3; fi ;;
  *) die "usage: moto.sh up|down|status" ;;
esac
