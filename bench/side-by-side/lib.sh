# Shared helpers of the side-by-side benchmark (sourced by run.sh, not run).
BENCH=${BENCH:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
WORK=${WORK:-/tmp/keyway-bench}
MOCK_PORT=${MOCK_PORT:-9001}
UPSTREAM=${UPSTREAM:-http://127.0.0.1:$MOCK_PORT/v1}
export UPSTREAM
CLK_TCK=$(getconf CLK_TCK)
STARTED_PIDS=()

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# stop only the processes this script started, by PID
HELPER_PIDS=()   # background subshells of this script (samplers, monitor)
cleanup() {
  local p
  for p in "${HELPER_PIDS[@]:-}"; do
    [ -n "$p" ] && [ "$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)" = "$$" ] && kill "$p" 2>/dev/null || true
  done
  for p in "${STARTED_PIDS[@]:-}"; do
    # only if that PID is still one of ours (not reused by something else)
    [ -n "$p" ] && { tr '\0' ' ' < "/proc/$p/cmdline"; } 2>/dev/null | grep -qE 'MockUpstream|Relay|start-server.js' \
      && kill "$p" 2>/dev/null || true
  done
  for p in "${STARTED_PIDS[@]:-}"; do
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
}

wait_http() { # url timeout_s
  local url=$1 t=${2:-30} i=0
  until curl -s -o /dev/null -m 1 "$url"; do
    sleep 0.05; i=$((i + 1))
    if [ $i -gt $((t * 20)) ]; then log "timeout waiting for $url"; return 1; fi
  done
  return 0
}

start_mock() { # sets MOCK_PID
  java -Xms256m -Xmx256m -XX:+UseSerialGC -cp "$WORK/mock-lib/*:$WORK/mock-classes" \
       MockUpstream "$MOCK_PORT" 1 > "$OUT/mock.log" 2>&1 &
  MOCK_PID=$!; STARTED_PIDS+=("$MOCK_PID")
  wait_http "http://127.0.0.1:$MOCK_PORT/health" 30
  log "mock upstream pid $MOCK_PID on 127.0.0.1:$MOCK_PORT"
}

# The gateway's JVM flags as ./keyway run gives them (deploy/local/lib.sh); the relay runs with the same.
GATEWAY_JVM_FLAGS=$(bash -c 'source "$1/deploy/local/lib.sh" && echo "$KEYWAY_GATEWAY_JVM_DEFAULT"' _ "$BENCH/../..")

# start_relay <port>: the bare Vert.x relay (mock/Relay.java) in its own JVM with the gateway's flags, in front of the
# mock; sets RELAY_PID. Its added latency and CPU are the floor of any gateway process on this machine.
start_relay() {
  MALLOC_ARENA_MAX=2 java $GATEWAY_JVM_FLAGS -cp "$WORK/mock-lib/*:$WORK/mock-classes" Relay "$1" "$MOCK_PORT" 2 \
       > "$OUT/relay.log" 2>&1 &
  RELAY_PID=$!; STARTED_PIDS+=("$RELAY_PID")
  wait_http "http://127.0.0.1:$1/health" 30
  log "relay pid $RELAY_PID on 127.0.0.1:$1"
}

# start_portkey <install dir> <port> <logfile>; prints the node PID. --headless = no web console;
# the preload forces the listen address to 127.0.0.1 (Portkey's serve() passes no hostname).
start_portkey() {
  local dir=$1 port=$2 logf=$3
  ( cd "$dir" && exec node -r "$BENCH/bind-localhost.cjs" \
      node_modules/@portkey-ai/gateway/build/start-server.js --port="$port" --headless ) > "$logf" 2>&1 &
  echo $!
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb()    { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
sys_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6, $9}' /proc/stat; }   # busy idle steal (the hypervisor's)

# every 5 s, every process (ours included) that used >= 1 s of CPU in the window -> stdout
cpu_monitor() {
  local prev cur; prev=$(mktemp); cur=$(mktemp)
  ps -eo pid=,ppid=,times=,comm= > "$prev"
  while sleep 5; do
    ps -eo pid=,ppid=,times=,comm= > "$cur"
    awk -v ts="$(date +%H:%M:%S)" 'NR==FNR{p[$1]=$3; next}
      {d=$3-(($1 in p)?p[$1]:0); if (d>=1) printf "%s pid=%s ppid=%s %s cpu_s=%d\n", ts, $1, $2, $4, d}' "$prev" "$cur"
    mv "$cur" "$prev"
  done
}

chat_body='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":32}'
portkey_headers=(-H "x-portkey-provider: openai" -H "x-portkey-custom-host: $UPSTREAM")

# start_keyway: Keyway as `./keyway run` starts it (the same script, flags and infrastructure), with a catalog that adds
# the benchmark's providers to the default one: "mock" (openai-compatible) and "anthropic" (the anthropic adapter), both
# pointing at the mock upstream. Seeds an account with a BYOK key for each and $1000 of credits (seed.py); exports
# KEYWAY_KEY; sets KEYWAY_PID (the gateway's) and KEYWAY_STARTED=1 when this script started the services.
# BILLING=stopped stops billing-service once the account is in the gateway (as a benchmark of the gateway alone); BYOK
# requests inside the free allowance reserve nothing, so they need no budget lease from billing while it is down.
start_keyway() {
  local cat="$OUT/keyway-catalog.json" root="$BENCH/../.."
  python3 - "$root/gateway-service/src/main/resources/catalog.json" "$cat" "$UPSTREAM" <<'PY'
import json, sys
src, dst, upstream = sys.argv[1:4]
c = json.load(open(src))
c["providers"] = [p for p in c["providers"] if p["slug"] != "anthropic"] + [
    {"slug": "mock", "name": "Benchmark mock (openai-compatible)", "adapter": "openai-compatible", "base_url": upstream},
    {"slug": "anthropic", "name": "Benchmark mock (anthropic)", "adapter": "anthropic", "base_url": upstream.rsplit("/v1", 1)[0]}]
price = {"prompt": "0.00000015", "completion": "0.0000006", "request": "0"}
for suffix in ["", "-delay20"]:
    c["models"].append({"id": "bench/gpt-4o-mini" + suffix, "name": "bench", "context_length": 8192,
                        "endpoints": [{"provider": "mock", "upstream_model": "gpt-4o-mini" + suffix, "pricing": price}]})
    c["models"].append({"id": "bench/claude" + suffix, "name": "bench translated", "context_length": 8192,
                        "endpoints": [{"provider": "anthropic", "upstream_model": "claude-sonnet-4" + suffix, "pricing": price}]})
json.dump(c, open(dst, "w"), indent=1)
PY
  if "$root/deploy/local/services.sh" status >/dev/null 2>&1; then
    log "Keyway is already running: stop it first (./keyway stop), so that it starts with the benchmark's catalog"; return 1
  fi
  # GC_LOG=1: the gateway's flags as ./keyway run gives them, plus its GC and safepoint log (same clock as wrk's run)
  local jvm="$GATEWAY_JVM_FLAGS"
  [ "${GC_LOG:-0}" = 1 ] && export KEYWAY_GATEWAY_JVM="$jvm -Xlog:gc,safepoint:file=$OUT/gateway-gc.log:uptime,timenanos"
  (cd "$root" && KEYWAY_GATEWAY_CATALOG="$cat" ./keyway run) > "$OUT/keyway-run.log" 2>&1 \
    || { tail -30 "$OUT/keyway-run.log" >&2; log "./keyway run failed, see $OUT/keyway-run.log"; return 1; }
  KEYWAY_STARTED=1
  KEYWAY_PID=$(cat "${KEYWAY_STATE:-$root/.keyway}/run/gateway-service.pid")
  KEYWAY_KEY=$(python3 "$BENCH/seed.py") || return 1
  export KEYWAY_KEY
  local i m
  for m in bench/gpt-4o-mini bench/claude; do
    for i in $(seq 1 60); do
      [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:8080/api/v1/chat/completions" -H "Authorization: Bearer $KEYWAY_KEY" \
          -H 'content-type: application/json' -d "{\"model\":\"$m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")" = 200 ] && break
      sleep 0.5
    done
  done
  if [ "${BILLING:-stopped}" = stopped ]; then
    kill "$(cat "${KEYWAY_STATE:-$root/.keyway}/run/billing-service.pid")" 2>/dev/null && log "billing-service stopped for the run (BILLING=stopped)"
  fi
  log "keyway gateway pid $KEYWAY_PID on 127.0.0.1:8080 (./keyway run; BILLING=${BILLING:-stopped})"
}

stop_keyway() {
  [ "${KEYWAY_STARTED:-0}" = 1 ] || return 0
  (cd "$BENCH/../.." && ./keyway stop) > "$OUT/keyway-stop.log" 2>&1 || true
  trim_usage_topic
}

# trim_usage_topic: a run leaves millions of usage events in the local keyway.usage.v1. billing-service (stopped during
# the load) and the test suite's consumers would read through them first: the suite's billing e2e tests then time out.
# The benchmark's events are the local topic's only content worth millions, so the topic is trimmed to its end after a
# run that started Keyway. KEEP_USAGE=1 keeps them (e.g. to measure billing's catch-up rate on them).
trim_usage_topic() {
  [ "${KEEP_USAGE:-0}" = 1 ] && { log "usage topic kept (KEEP_USAGE=1)"; return 0; }
  local root="$BENCH/../.."
  java -cp "${KEYWAY_STATE:-$root/.keyway}/kafka/lib/*" "$BENCH/TrimTopic.java" "127.0.0.1:${KEYWAY_KAFKA_PORT:-19092}" \
       keyway.usage.v1 >&2 || log "could not trim the usage topic (is the broker up? ./keyway infra up)"
}
