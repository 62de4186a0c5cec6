#!/usr/bin/env bash
# One-time setup of the side-by-side benchmark (idempotent). Installs into $WORK (default /tmp/keyway-bench), nothing
# into the repository: wrk (Debian's package, with apt-get, only when missing), Portkey from npm as pinned in
# portkey/package-lock.json (npm ci), and the mock upstream and the bare relay (Vert.x core from Maven Central, compiled with javac).
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/tmp/keyway-bench}
mkdir -p "$WORK"

if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk
fi

if ! cmp -s "$BENCH/portkey/package-lock.json" "$WORK/portkey/package-lock.json" \
   || [ ! -f "$WORK/portkey/node_modules/@portkey-ai/gateway/build/start-server.js" ]; then
  mkdir -p "$WORK/portkey"
  cp "$BENCH/portkey/package.json" "$BENCH/portkey/package-lock.json" "$WORK/portkey/"
  (cd "$WORK/portkey" && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ ! -f "$WORK/mock-lib/vertx-core-4.5.10.jar" ]; then
  (cd "$BENCH/mock" && "$BENCH/../../mvnw" -q -B -ntp -f pom.xml dependency:copy-dependencies -DoutputDirectory="$WORK/mock-lib")
fi
mkdir -p "$WORK/mock-classes"
javac -nowarn -cp "$WORK/mock-lib/*" -d "$WORK/mock-classes" "$BENCH/mock/MockUpstream.java" "$BENCH/mock/Relay.java"
echo "setup done: $WORK"
