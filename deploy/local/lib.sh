# Shared helpers for the local-infrastructure scripts. Sourced, not run.
# Everything here binds to 127.0.0.1 and keeps its state under $KEYWAY_STATE (default: <repo>/.keyway).
set -euo pipefail

KEYWAY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KEYWAY_STATE="${KEYWAY_STATE:-$KEYWAY_ROOT/.keyway}"
mkdir -p "$KEYWAY_STATE"

# Ports: one place, overridable from the environment.
KEYWAY_PG_PORT="${KEYWAY_PG_PORT:-55432}"
KEYWAY_KAFKA_PORT="${KEYWAY_KAFKA_PORT:-19092}"
KEYWAY_KAFKA_CONTROLLER_PORT="${KEYWAY_KAFKA_CONTROLLER_PORT:-19093}"
KEYWAY_MOTO_PORT="${KEYWAY_MOTO_PORT:-4566}"

# The gateway's small-instance JVM flags (docs/decisions.md): ./keyway run starts it with them (services.sh), the
# benchmarks read them from here; KEYWAY_GATEWAY_JVM replaces them.
KEYWAY_GATEWAY_JVM_DEFAULT="-Xmx96m -XX:+UseSerialGC -XX:SurvivorRatio=4 -XX:TrimNativeHeapInterval=5000 -XX:+UseTransparentHugePages"

say()  { printf '[keyway] %s\n' "$*"; }
die()  { printf '[keyway] ERROR: %s\n' "$*" >&2; exit 1; }

port_open() { # port -> 0 when something accepts TCP connections on 127.0.0.1:port
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_port() { # port seconds what pid-or-empty
  local port="$1" secs="$2" what="$3" pid="${4:-}" i
  for ((i = 0; i < secs * 10; i++)); do
    port_open "$port" && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      return 1
    fi
    sleep 0.1
  done
  return 1
}

pid_alive() { # pidfile -> 0 when the recorded process runs
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

stop_pidfile() { # pidfile what
  local f="$1" what="$2" pid i
  if ! pid_alive "$f"; then rm -f "$f"; say "$what: not running"; return 0; fi
  pid="$(cat "$f")"
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$f"; say "$what: stopped (pid $pid)"; return 0; }
    sleep 0.1
  done
  say "$what: did not stop in 30 s after SIGTERM, sending SIGKILL (pid $pid)"
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
}

require_java() {
  command -v java >/dev/null 2>&1 || die "java is not on PATH: install a JDK 17 (e.g. apt-get install openjdk-17-jdk-headless)"
}

# Maven: the project's wrapper, so every machine uses the same pinned Maven.
mvnw() { "$KEYWAY_ROOT/mvnw" "$@"; }
