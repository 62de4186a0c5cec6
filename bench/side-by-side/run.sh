#!/usr/bin/env bash
# Side-by-side benchmark: an outside load generator (wrk) against the mock upstream directly, against Keyway as
# `./keyway run` starts it, and against a peer gateway (Portkey, pinned), in one sitting, on this machine.
#   bench/side-by-side/setup.sh      once: wrk (apt-get), Portkey (npm ci), the mock upstream
#   bench/side-by-side/run.sh        the run; needs a build (./mvnw -DskipTests package) and Keyway stopped
# Targets: direct (OpenAI body to the mock), direct-anthropic (Anthropic body to the mock), relay (a bare Vert.x relay in
# its own JVM with the gateway's flags: the floor of any gateway hop here), keyway (BYOK, openai-compatible
# adapter), keyway-anthropic (BYOK, the anthropic adapter: the translated path), portkey (Portkey to the mock).
# Plain and streamed at CONNS connections, then sequential time to the first streamed event, and RSS. Results:
# $OUT (default $WORK/results/<stamp>): points.jsonl, streams.jsonl, rss.jsonl, machine.txt, summary.md.
#   env: DUR (s per point, 10) RUNS (2) CONNS ("1 16 64") TARGETS (all six) STREAM_N (300) WARMUP (40: s per target
#        and mode; C2 is still compiling Keyway's request path 30-60 s after start, which a 10 s warm-up measured as tail)
#        BILLING (stopped | up: billing-service keeps consuming the usage events during the load)
#        GC_LOG=1 (the gateway's GC and safepoint log in $OUT/gateway-gc.log)
#        KEEP_USAGE=1 (keep the run's usage events: by default the local usage topic is trimmed to its end afterwards,
#        or billing and the test suite would first read through millions of them)
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
DUR=${DUR:-10}; RUNS=${RUNS:-2}; CONNS=${CONNS:-"1 16 64"}; STREAM_N=${STREAM_N:-300}; WARMUP=${WARMUP:-40}
TARGETS=${TARGETS:-"direct direct-anthropic relay keyway keyway-anthropic portkey"}
OUT=${OUT:-$WORK/results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
[ -f "$WORK/mock-classes/MockUpstream.class" ] || { log "run $BENCH/setup.sh first"; exit 1; }
trap 'cleanup; stop_keyway' EXIT INT TERM

declare -A URL PID WRK_TARGET TTFB_MODE MODEL
URL[direct]="http://127.0.0.1:$MOCK_PORT/v1/chat/completions";      WRK_TARGET[direct]=direct;                MODEL[direct]=gpt-4o-mini
URL[direct-anthropic]="http://127.0.0.1:$MOCK_PORT/v1/messages";    WRK_TARGET[direct-anthropic]=direct-anthropic; MODEL[direct-anthropic]=claude-sonnet-4; TTFB_MODE[direct-anthropic]=anthropic
URL[keyway]="http://127.0.0.1:8080/api/v1/chat/completions";        WRK_TARGET[keyway]=keyway;                MODEL[keyway]=bench/gpt-4o-mini;  TTFB_MODE[keyway]=keyway
URL[keyway-anthropic]="${URL[keyway]}";                             WRK_TARGET[keyway-anthropic]=keyway;      MODEL[keyway-anthropic]=bench/claude; TTFB_MODE[keyway-anthropic]=keyway
URL[relay]="http://127.0.0.1:9002/v1/chat/completions";             WRK_TARGET[relay]=direct;                 MODEL[relay]=gpt-4o-mini
URL[portkey]="http://127.0.0.1:8788/v1/chat/completions";           WRK_TARGET[portkey]=portkey;              MODEL[portkey]=gpt-4o-mini;       TTFB_MODE[portkey]=portkey

{ echo "date: $(date -Is)"; uname -r; lscpu | grep -E 'Model name|^CPU\(s\)|Thread|MHz|Hypervisor' ;
  free -m | head -2; echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"; node --version; java -version 2>&1 | head -1;
  { wrk -v 2>&1 || true; } | head -1
  echo "portkey: $(node -p "require('$WORK/portkey/node_modules/@portkey-ai/gateway/package.json').version")" \
       "hono $(node -p "require('$WORK/portkey/node_modules/hono/package.json').version")" \
       "@hono/node-server $(node -p "require('$WORK/portkey/node_modules/@hono/node-server/package.json').version")"
  echo "keyway: $(cd "$BENCH/../.." && git rev-parse --short HEAD) as ./keyway run starts it; billing ${BILLING:-stopped} during the load"
  echo "DUR=$DUR RUNS=$RUNS CONNS=$CONNS TARGETS=$TARGETS"; } > "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

cpu_monitor > "$OUT/cpu-monitor.log" 2>&1 & HELPER_PIDS+=($!)
start_mock
PID[direct]=$MOCK_PID; PID[direct-anthropic]=$MOCK_PID
for t in $TARGETS; do
  case $t in
    portkey) PID[$t]=$(start_portkey "$WORK/portkey" 8788 "$OUT/portkey.log"); STARTED_PIDS+=("${PID[$t]}")
             wait_http "http://127.0.0.1:8788/" 30 ;;
    keyway|keyway-anthropic) [ -n "${KEYWAY_PID:-}" ] || start_keyway; PID[$t]=$KEYWAY_PID ;;
    relay) start_relay 9002; PID[$t]=$RELAY_PID ;;
  esac
done

body() { # target [stream]
  if [ "$1" = direct-anthropic ]; then
    echo '{"model":"claude-sonnet-4","max_tokens":32,"messages":[{"role":"user","content":"Say hello"}]}'
  else
    echo "{\"model\":\"${MODEL[$1]}\",\"max_tokens\":32,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}"
  fi
}
for t in $TARGETS; do # correctness first: each target answers through to the mock
  auth=(-H "Authorization: Bearer fake-bench-key-0000")
  case $t in
    keyway*) auth=(-H "Authorization: Bearer $KEYWAY_KEY") ;;
    direct-anthropic) auth=(-H "x-api-key: fake-bench-key-0000" -H "anthropic-version: 2023-06-01") ;;
    portkey) auth+=("${portkey_headers[@]}") ;;
  esac
  code=$(curl -s -o "$OUT/check-$t.json" -w '%{http_code}' "${URL[$t]}" -H 'content-type: application/json' "${auth[@]}" -d "$(body "$t")")
  [ "$code" = 200 ] && grep -qE 'fixed reply from the mock' "$OUT/check-$t.json" \
    || { log "$t check failed ($code): $(head -c 300 "$OUT/check-$t.json")"; exit 1; }
  case $t in keyway*) grep -q '"is_byok":true' "$OUT/check-$t.json" || { log "$t: not served with the BYOK key"; exit 1; } ;; esac
  log "$t ok: $(head -c 100 "$OUT/check-$t.json")..."
done
sleep 5
for t in $TARGETS; do
  case $t in direct*) continue ;; esac
  echo "{\"target\":\"$t\",\"phase\":\"idle_fresh\",\"rss_kb\":$(rss_kb "${PID[$t]}")}" >> "$OUT/rss.jsonl"
done

run_point() { # target conns run [stream] [duration]
  local t=$1 c=$2 r=$3 s=${4:-0} d=${5:-$DUR}
  local pid=${PID[$t]} rssf="$OUT/rss-$t-c$c-r$r-s$s.txt" samp=""
  local th=2; [ "$c" -lt 2 ] && th=1
  case $t in direct*) ;; *) ( while kill -0 "$pid" 2>/dev/null; do rss_kb "$pid" >> "$rssf"; sleep 0.5; done ) & samp=$! ;; esac
  local g0 m0 s0 g1 m1 s1; g0=$(cpu_ticks "$pid"); m0=$(cpu_ticks "$MOCK_PID"); s0=$(sys_ticks)
  local tf; tf=$(mktemp)
  { TIMEFORMAT='%U %S'; time TARGET=${WRK_TARGET[$t]} KEYWAY_MODEL=${MODEL[$t]} STREAM=$s wrk -t$th -c"$c" -d"${d}s" \
      --timeout 5s -s "$BENCH/chat.lua" "${URL[$t]}" > "$OUT/wrk-$t-c$c-r$r-s$s.txt" 2>&1 ; } 2> "$tf"
  g1=$(cpu_ticks "$pid"); m1=$(cpu_ticks "$MOCK_PID"); s1=$(sys_ticks)
  [ -n "$samp" ] && { kill "$samp" 2>/dev/null; wait "$samp" 2>/dev/null || true; }
  local res; res=$(grep '^RESULT ' "$OUT/wrk-$t-c$c-r$r-s$s.txt" | sed 's/^RESULT //')
  [ -z "$res" ] && { log "no RESULT for $t c$c r$r"; cat "$OUT/wrk-$t-c$c-r$r-s$s.txt" >&2; return 0; }
  local wrk_cpu; wrk_cpu=$(awk '{printf "%.2f", $1 + $2}' "$tf"); rm -f "$tf"
  local rss_med=0 rss_max=0
  if [ -s "$rssf" ]; then
    rss_med=$(sort -n "$rssf" | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'); rss_max=$(sort -n "$rssf" | tail -1)
  fi
  local gw_cpu=0; case $t in direct*) ;; *) gw_cpu=$(awk -v a="$g0" -v b="$g1" -v k="$CLK_TCK" 'BEGIN{printf "%.2f", (b-a)/k}') ;; esac
  local extra
  # other_cores: CPU used on the machine during the point by anything but gateway, wrk and mock (cores)
  extra=$(echo "$s0 $s1" | awk -v k="$CLK_TCK" -v m0="$m0" -v m1="$m1" -v g="$gw_cpu" -v w="$wrk_cpu" -v d="$d" -v n="$(nproc)" \
    '{busy=$4-$1; idle=$5-$2; st=$6-$3; m=(m1-m0)/k; cores=n*busy/(busy+idle);
      printf "\"sys_busy_pct\":%.1f,\"steal_pct\":%.1f,\"mock_cpu_s\":%.2f,\"other_cores\":%.2f", 100*busy/(busy+idle), 100*st/(busy+idle+st), m, cores-(g+w+m)/d}')
  echo "{\"target\":\"$t\",\"conns\":$c,\"run\":$r,\"stream\":$s,\"gw_cpu_s\":$gw_cpu,\"wrk_cpu_s\":$wrk_cpu,$extra,\"gw_rss_med_kb\":$rss_med,\"gw_rss_max_kb\":$rss_max,\"load1\":$(cut -d' ' -f1 /proc/loadavg),${res#\{}" \
    | tee -a "$OUT/points.jsonl" >&2
  sleep 2
}

log "warm-up ${WARMUP}s per target at 16 connections, plain and streamed"
for t in $TARGETS; do
  for s in 0 1; do
    TARGET=${WRK_TARGET[$t]} KEYWAY_MODEL=${MODEL[$t]} STREAM=$s wrk -t2 -c16 -d"${WARMUP}s" -s "$BENCH/chat.lua" "${URL[$t]}" \
      > "$OUT/warmup-$t-s$s.txt" 2>&1
  done
done
sleep 2

log "plain: runs=$RUNS conns=[$CONNS] targets=[$TARGETS] ${DUR}s each (interleaved)"
for r in $(seq 1 "$RUNS"); do
  for c in $CONNS; do
    for t in $TARGETS; do run_point "$t" "$c" "$r"; done
  done
done
sleep 10
for t in $TARGETS; do
  case $t in direct*) continue ;; esac
  echo "{\"target\":\"$t\",\"phase\":\"idle_after_load\",\"rss_kb\":$(rss_kb "${PID[$t]}")}" >> "$OUT/rss.jsonl"
done

log "streamed: sequential time to the first event, $STREAM_N requests per sample, 3 samples"
for r in 1 2 3; do
  for t in $TARGETS; do
    for m in "${MODEL[$t]}:$STREAM_N" "${MODEL[$t]}-delay20:40"; do
      node "$BENCH/stream-ttfb.mjs" "$t" "${URL[$t]}" "${m##*:}" "${m%:*}" "${TTFB_MODE[$t]:-}" \
        | sed 's/^STREAM //' | sed "s/^{/{\"run\":$r,/" | tee -a "$OUT/streams.jsonl" >&2
    done
  done
done

log "streamed: throughput, conns=[$CONNS]"
for r in $(seq 1 "$RUNS"); do
  for c in $CONNS; do
    for t in $TARGETS; do run_point "$t" "$c" "$r" 1; done
  done
done

curl -s "http://127.0.0.1:$MOCK_PORT/stats" > "$OUT/mock-stats.json"; echo >> "$OUT/mock-stats.json"
for t in $TARGETS; do
  case $t in direct*) continue ;; esac
  echo "{\"target\":\"$t\",\"phase\":\"end\",\"rss_kb\":$(rss_kb "${PID[$t]}")}" >> "$OUT/rss.jsonl"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
node "$BENCH/summarize.mjs" "$OUT" > "$OUT/summary.md"
cat "$OUT/summary.md"
log "results in $OUT"
