#!/usr/bin/env bash
# The three Keyway services as local processes (after infra.sh up and a build).
#   services.sh up [name ...] | down | status      (up with names: only those, e.g. up gateway-service)
source "$(dirname "$0")/lib.sh"

R="$KEYWAY_STATE/run"
mkdir -p "$R"
# name:port — started in this order (the gateway needs key-service and billing-service).
SERVICES=(key-service:${KEYWAY_KEYS_PORT:-8081} billing-service:${KEYWAY_BILLING_PORT:-8082} gateway-service:${KEYWAY_GATEWAY_PORT:-8080})
# How the services find each other when a port above is moved (the gateway and billing call key-service; the
# gateway's GET /api/v1/key calls billing).
export KEYWAY_KEYS_URL="${KEYWAY_KEYS_URL:-http://127.0.0.1:${KEYWAY_KEYS_PORT:-8081}}"
export KEYWAY_BILLING_URL="${KEYWAY_BILLING_URL:-http://127.0.0.1:${KEYWAY_BILLING_PORT:-8082}}"
# The console (key-service, /console/) on three ports: it is told where the gateway and billing are, and they allow
# CORS for key-service's origin only (docs/decisions.md, "Console").
export KEYWAY_CONSOLE_GATEWAY_URL="${KEYWAY_CONSOLE_GATEWAY_URL:-http://127.0.0.1:${KEYWAY_GATEWAY_PORT:-8080}}"
export KEYWAY_CONSOLE_BILLING_URL="${KEYWAY_CONSOLE_BILLING_URL:-$KEYWAY_BILLING_URL}"
export KEYWAY_CONSOLE_CORS="${KEYWAY_CONSOLE_CORS:-true}"
export KEYWAY_CONSOLE_ORIGIN="${KEYWAY_CONSOLE_ORIGIN:-$KEYWAY_KEYS_URL}"

ready() { curl -fs -o /dev/null --max-time 5 "http://127.0.0.1:$1/q/health/ready"; }

up() {
  require_java
  local s name port jar pid i profile jvm only=" $* "
  local todo=()
  for s in "${SERVICES[@]}"; do
    [ "$only" = "  " ] || [[ "$only" == *" ${s%%:*} "* ]] && todo+=("$s")
  done
  for s in "${todo[@]}"; do
    name="${s%%:*}"; port="${s##*:}"; jar="$KEYWAY_ROOT/$name/target/quarkus-app/quarkus-run.jar"
    # KEYWAY_GATEWAY_JAR: another build of the gateway (bench/side-by-side/ab.sh alternates two)
    [ "$name" = gateway-service ] && jar="${KEYWAY_GATEWAY_JAR:-$jar}"
    if pid_alive "$R/$name.pid"; then say "$name: already running (pid $(cat "$R/$name.pid"))"; continue; fi
    [ -f "$jar" ] || die "$name: $jar is missing: build first (./mvnw -DskipTests package)"
    port_open "$port" && die "$name: port $port is taken by another process"
    say "$name: starting on 127.0.0.1:$port (log $R/$name.log)"
    # Every service runs in the prod profile plus "local", the only non-test profile with public development values:
    # key-service's master key and the three services' tokens (admin, gateway, billing). Production has none and
    # refuses to start without them; KEYWAY_ADMIN_TOKEN / KEYWAY_GATEWAY_TOKEN / KEYWAY_BILLING_TOKEN override them.
    # The gateway runs with the small-instance flags it is benchmarked with (docs/benchmarks.md, gateway-service/README.md):
    # a 96 MB serial-GC heap, two malloc arenas, freed native memory returned every 5 s, heap and code cache on
    # transparent huge pages where the kernel offers them (madvise); KEYWAY_GATEWAY_JVM replaces its JVM flags.
    profile=(-Dquarkus.profile=prod,local)
    # key-service also offers the aws secret store, against the local moto (KEYWAY_AWS_ENDPOINT), which takes any
    # credentials: these are moto's, not AWS's.
    [ "$name" = key-service ] && profile+=(
      "-Dkeyway.keys.secrets.aws.enabled=${KEYWAY_SECRETS_AWS_ENABLED:-true}"
      -Dquarkus.secretsmanager.aws.credentials.type=static
      -Dquarkus.secretsmanager.aws.credentials.static-provider.access-key-id=keyway-local-moto
      -Dquarkus.secretsmanager.aws.credentials.static-provider.secret-access-key=keyway-local-moto)
    if [ "$name" = gateway-service ]; then
      read -r -a jvm <<< "${KEYWAY_GATEWAY_JVM:-$KEYWAY_GATEWAY_JVM_DEFAULT}"
      MALLOC_ARENA_MAX=2 nohup java "${jvm[@]}" "${profile[@]}" -jar "$jar" >"$R/$name.log" 2>&1 < /dev/null &
    else
      nohup java -Xmx${KEYWAY_SERVICE_HEAP:-256m} "${profile[@]}" -jar "$jar" >"$R/$name.log" 2>&1 < /dev/null &
    fi
    echo $! > "$R/$name.pid"
  done
  for s in "${todo[@]}"; do
    name="${s%%:*}"; port="${s##*:}"; pid="$(cat "$R/$name.pid")"
    for ((i = 0; i < 240; i++)); do
      ready "$port" && break
      kill -0 "$pid" 2>/dev/null || { tail -30 "$R/$name.log" >&2; die "$name: exited during start, see $R/$name.log"; }
      sleep 0.5
    done
    ready "$port" || { curl -sS "http://127.0.0.1:$port/q/health/ready" >&2 || true; die "$name: not ready after 120 s, see $R/$name.log"; }
    say "$name: ready on http://127.0.0.1:$port"
  done
}

down() {
  local s i
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
    s="${SERVICES[$i]}"; stop_pidfile "$R/${s%%:*}.pid" "${s%%:*}"
  done
}

case "${1:-status}" in
  up) shift; up "$@" ;;
  down) down ;;
  status)
    rc=0
    for s in "${SERVICES[@]}"; do
      name="${s%%:*}"; port="${s##*:}"
      if pid_alive "$R/$name.pid"; then
        if ready "$port"; then say "$name: ready on http://127.0.0.1:$port"; else say "$name: running, not ready"; rc=3; fi
      else say "$name: not running"; rc=3; fi
    done
    exit $rc ;;
  *) die "usage: services.sh up|down|status" ;;
esac
