#!/usr/bin/env bash
# The working example request of `./keyway run`, against the local upstream STAND-IN (not a real provider):
#   example.sh up      start the stand-in on 127.0.0.1:8090 (the default catalog's provider "local-standin"),
#                      seed an example account once (account, management key, API key, pooled credential, a BYOK
#                      key, $5 of credits), send one chat completion through the gateway (served with the BYOK key:
#                      usage.is_byok true) and print it with the curl command and how to open the console
#   example.sh down    stop the stand-in (by PID)
#   example.sh status
# The example account's API key and management key are kept in .keyway/run/example.env (local only, 0600), so a second
# `up` reuses them.
source "$(dirname "$0")/lib.sh"

R="$KEYWAY_STATE/run"
mkdir -p "$R"
PORT=8090 # fixed: the default catalog (gateway-service/src/main/resources/catalog.json) points here
PIDF="$R/upstream-standin.pid"
ENVF="$R/example.env"
GATEWAY="${KEYWAY_GATEWAY_URL:-http://127.0.0.1:${KEYWAY_GATEWAY_PORT:-8080}}"
CONSOLE="${KEYWAY_KEYS_URL:-http://127.0.0.1:${KEYWAY_KEYS_PORT:-8081}}/console/"
REQUEST='{"model":"keyway/standin-echo","messages":[{"role":"user","content":"Hello Keyway"}]}'

standin_up() {
  require_java
  if pid_alive "$PIDF"; then say "upstream stand-in: already running (pid $(cat "$PIDF"))"; return 0; fi
  port_open "$PORT" && die "upstream stand-in: port $PORT is taken by another process"
  nohup java "$KEYWAY_ROOT/deploy/local/upstream-standin/UpstreamStandIn.java" "$PORT" \
    >"$R/upstream-standin.log" 2>&1 </dev/null &
  echo $! >"$PIDF"
  wait_port "$PORT" 30 "upstream stand-in" "$(cat "$PIDF")" \
    || { cat "$R/upstream-standin.log" >&2; die "upstream stand-in: did not start, see $R/upstream-standin.log"; }
  say "upstream stand-in (not a real provider): ready on http://127.0.0.1:$PORT/v1"
}

key_works() { # api key -> 0 when the gateway knows it
  curl -fs -o /dev/null --max-time 5 "$GATEWAY/api/v1/key" -H "Authorization: Bearer $1"
}

seed() {
  if [ -f "$ENVF" ]; then
    # shellcheck disable=SC1090
    source "$ENVF"
    # an account seeded before the console (no management key kept, no BYOK key) is replaced by a new one
    if [ -n "${KEYWAY_EXAMPLE_MANAGEMENT_KEY:-}" ] && key_works "$KEYWAY_EXAMPLE_API_KEY"; then
      say "example account: reusing $KEYWAY_EXAMPLE_ACCOUNT_ID"; return 0
    fi
  fi
  local out
  out="$("$KEYWAY_ROOT/deploy/local/upstream-standin/seed-example.sh")" || die "example: seeding failed"
  KEYWAY_EXAMPLE_ACCOUNT_ID="$(sed -n 's/^Example account \([^ ]*\) .*/\1/p' <<<"$out")"
  KEYWAY_EXAMPLE_API_KEY="$(grep -o 'Bearer sk-kw-v1-[0-9a-f]*' <<<"$out" | head -1 | cut -d' ' -f2)"
  KEYWAY_EXAMPLE_MANAGEMENT_KEY="$(grep -o 'sk-kw-mgmt-v1-[0-9a-f]*' <<<"$out" | head -1)"
  [ -n "$KEYWAY_EXAMPLE_API_KEY" ] || die "example: the seeding script printed no API key"
  [ -n "$KEYWAY_EXAMPLE_MANAGEMENT_KEY" ] || die "example: the seeding script printed no management key"
  (umask 077; printf 'KEYWAY_EXAMPLE_ACCOUNT_ID=%s\nKEYWAY_EXAMPLE_API_KEY=%s\nKEYWAY_EXAMPLE_MANAGEMENT_KEY=%s\n' \
    "$KEYWAY_EXAMPLE_ACCOUNT_ID" "$KEYWAY_EXAMPLE_API_KEY" "$KEYWAY_EXAMPLE_MANAGEMENT_KEY" >"$ENVF")
  say "example account: created $KEYWAY_EXAMPLE_ACCOUNT_ID with \$5 of credits and a BYOK key for local-standin"
}

request() {
  # The credits reach the gateway through billing's account state on Kafka: allow it a few seconds.
  local i code body="$R/example-response.json"
  for ((i = 0; i < 60; i++)); do
    code="$(curl -s -o "$body" -w '%{http_code}' --max-time 30 "$GATEWAY/api/v1/chat/completions" \
      -H "Authorization: Bearer $KEYWAY_EXAMPLE_API_KEY" -H 'Content-Type: application/json' -d "$REQUEST")" || true
    [ "$code" = 200 ] && break
    sleep 0.5
  done
  [ "$code" = 200 ] || { cat "$body" >&2 2>/dev/null || true; die "example request: HTTP $code"; }
  say "example request answered:"
  cat "$body"; echo
  grep -q '"is_byok":true' "$body" && say "served with the example account's own (BYOK) key: usage.is_byok is true"
  cat <<MSG

Try it yourself (the example API key is in $ENVF):
  source $ENVF
  curl -s $GATEWAY/api/v1/chat/completions -H "Authorization: Bearer \$KEYWAY_EXAMPLE_API_KEY" \\
    -H 'Content-Type: application/json' -d '$REQUEST'

Console: $CONSOLE
  Sign in with the example account's management key, KEYWAY_EXAMPLE_MANAGEMENT_KEY in $ENVF:
  grep MANAGEMENT_KEY $ENVF
MSG
}

case "${1:-status}" in
  up) standin_up; seed; request ;;
  down) stop_pidfile "$PIDF" "upstream stand-in" ;;
  status)
    if pid_alive "$PIDF"; then say "upstream stand-in: running on 127.0.0.1:$PORT"; else say "upstream stand-in: not running"; exit 3; fi ;;
  *) die "usage: example.sh up|down|status" ;;
esac
