#!/usr/bin/env bash
# Rerunnable key-service benchmark: builds the jar, starts it on port 18081 against the scratch database
# (keyway_keys_scratch) and the local Kafka, runs bench.py, stops the jar it started (by PID).
# Needs `./keyway infra up`. Usage: key-service/benchmarks/run.sh [--seconds 5] [--conns 1,8]
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f key-service/target/quarkus-app/quarkus-run.jar ] && [ -z "${REBUILD:-}" ] || ./mvnw -B -ntp -q -pl key-service package -DskipTests
PORT=${BENCH_PORT:-18081}
LOG=$(mktemp)
KEYWAY_KEYS_PORT=$PORT KEYWAY_KEYS_DB_URL=postgresql://127.0.0.1:55432/keyway_keys_scratch \
  java -Xmx256m -jar key-service/target/quarkus-app/quarkus-run.jar >"$LOG" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$PORT/q/health/ready" >/dev/null && break
  kill -0 $PID 2>/dev/null || { cat "$LOG"; exit 1; }
  sleep 1
done
python3 key-service/benchmarks/bench.py --url "http://127.0.0.1:$PORT" "$@"
echo
echo "key-service RSS after the run: $(( $(awk '/VmRSS/{print $2}' /proc/$PID/status) / 1024 )) MB (-Xmx256m)"
