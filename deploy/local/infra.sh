#!/usr/bin/env bash
# The local infrastructure together: PostgreSQL, Kafka, moto (AWS Secrets Manager); `up` also makes sure Chromium,
# its driver and axe-core are there for the console's browser tests (browser.sh; installed once, nothing to stop).
#   infra.sh up | down | status
source "$(dirname "$0")/lib.sh"
HERE="$KEYWAY_ROOT/deploy/local"
case "${1:-status}" in
  up) "$HERE/postgres.sh" up; "$HERE/kafka.sh" up; "$HERE/moto.sh" up; "$HERE/browser.sh" up ;;
  down) "$HERE/moto.sh" down; "$HERE/kafka.sh" down; "$HERE/postgres.sh" down ;;
  status) rc=0; for s in postgres kafka moto; do "$HERE/$s.sh" status || rc=3; done; exit $rc ;;
  *) die "usage: infra.sh up|down|status" ;;
esac
