#!/usr/bin/env bash
# A/B of two gateway builds, alternated in one sitting: a change worth a few percent of CPU is inside the drift of
# separate runs on this kind of machine, so A and B take turns.
#   cp -r gateway-service/target/quarkus-app /tmp/gw-A    # the build before the change
#   (change, ./mvnw -DskipTests package)
#   cp -r gateway-service/target/quarkus-app /tmp/gw-B
#   bench/side-by-side/ab.sh /tmp/gw-A /tmp/gw-B
# Starts the mock and Keyway as run.sh does (./keyway run, the harness's catalog, billing stopped), then ROUNDS times,
# for A then B: the gateway of that build started fresh with the flags ./keyway run gives it, WARMUP s of load, then
# MEAS points of DUR s at CONNS connections (STREAM=1: streamed). Per point: req/s, p99, the gateway's CPU per request.
#   env: ROUNDS (3) MEAS (3) DUR (15) WARMUP (60) CONNS (64) STREAM (0) MODEL (bench/gpt-4o-mini) OUT
# Results: $OUT/ab.txt (one line per point) and the medians per build at the end.
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
[ $# = 2 ] && [ -f "$1/quarkus-run.jar" ] && [ -f "$2/quarkus-run.jar" ] \
  || { echo "usage: ab.sh <build A dir> <build B dir> (each a copy of gateway-service/target/quarkus-app)" >&2; exit 2; }
BUILD[0]=$(cd "$1" && pwd); BUILD[1]=$(cd "$2" && pwd)
ROUNDS=${ROUNDS:-3}; MEAS=${MEAS:-3}; DUR=${DUR:-15}; WARMUP=${WARMUP:-60}; CONNS=${CONNS:-64}; STREAM=${STREAM:-0}
MODEL=${MODEL:-bench/gpt-4o-mini}
OUT=${OUT:-$WORK/results/ab-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
[ -f "$WORK/mock-classes/MockUpstream.class" ] || { log "run $BENCH/setup.sh first"; exit 1; }
trap 'cleanup; stop_keyway' EXIT INT TERM
ROOT=$(cd "$BENCH/../.." && pwd)
RUN_DIR="${KEYWAY_STATE:-$ROOT/.keyway}/run"
URL="http://127.0.0.1:8080/api/v1/chat/completions"

start_mock
start_keyway

# start_gateway <build dir>: replaces the running gateway with that build, started by deploy/local/services.sh as
# ./keyway run starts it (same flags and settings; KEYWAY_GATEWAY_JAR picks the build; billing stays as it is)
start_gateway() {
  local pid i
  pid=$(cat "$RUN_DIR/gateway-service.pid")
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  KEYWAY_GATEWAY_JAR="$1/quarkus-run.jar" KEYWAY_GATEWAY_CATALOG="$OUT/keyway-catalog.json" \
    "$ROOT/deploy/local/services.sh" up gateway-service >> "$OUT/services.log" 2>&1 \
    || { tail -20 "$OUT/services.log" >&2; log "the gateway of $1 did not start"; return 1; }
  GW_PID=$(cat "$RUN_DIR/gateway-service.pid")
}

load() { # seconds -> the wrk RESULT json
  local th=2; [ "$CONNS" -lt 2 ] && th=1
  TARGET=keyway KEYWAY_MODEL=$MODEL STREAM=$STREAM wrk -t$th -c"$CONNS" -d"$1s" -s "$BENCH/chat.lua" "$URL" \
    | grep '^RESULT ' | sed 's/^RESULT //'
}

for r in $(seq 1 "$ROUNDS"); do
  for b in 0 1; do
    name=$([ $b = 0 ] && echo A || echo B)
    start_gateway "${BUILD[$b]}"
    load "$WARMUP" > /dev/null
    for m in $(seq 1 "$MEAS"); do
      t0=$(cpu_ticks "$GW_PID"); res=$(load "$DUR"); t1=$(cpu_ticks "$GW_PID")
      python3 - "$res" "$((t1 - t0))" "$CLK_TCK" "$r" "$name" "$CONNS" "$STREAM" <<'PY' | tee -a "$OUT/ab.txt"
import json, sys
res, ticks, hz, r, name, conns, stream = sys.argv[1:8]
j = json.loads(res)
print(f"round={r} build={name} conns={conns} stream={stream} rps={j['rps']:.0f} p99_ms={j['lat_p99_us'] / 1000:.3f} "
      f"cpu_ms_per_req={int(ticks) / int(hz) * 1000 / j['requests']:.4f}")
PY
    done
  done
done

python3 - "$OUT/ab.txt" "${BUILD[0]}" "${BUILD[1]}" <<'PY' | tee "$OUT/summary.txt"
import statistics, sys
rows = [dict(kv.split("=") for kv in line.split()) for line in open(sys.argv[1])]
for name, path in (("A", sys.argv[2]), ("B", sys.argv[3])):
    mine = [r for r in rows if r["build"] == name]
    cpu = [float(r["cpu_ms_per_req"]) for r in mine]
    rps = [float(r["rps"]) for r in mine]
    print(f"{name} ({path}): {len(mine)} points, CPU ms/req median {statistics.median(cpu):.4f} "
          f"({min(cpu):.4f}-{max(cpu):.4f}), req/s median {statistics.median(rps):.0f} ({min(rps):.0f}-{max(rps):.0f})")
PY
log "results in $OUT"
