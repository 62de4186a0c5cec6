#!/usr/bin/env bash
# Apache Kafka 4.4.0, one KRaft node (broker + controller) on 127.0.0.1:$KEYWAY_KAFKA_PORT, from Maven Central jars.
# Data lives in .keyway/kafka/data. Topics come from deploy/local/topics.txt.
#   kafka.sh up | down | status
source "$(dirname "$0")/lib.sh"

K="$KEYWAY_STATE/kafka"
PIDFILE="$K/kafka.pid"
HERE="$KEYWAY_ROOT/deploy/local"

ensure_jars() {
  if [ ! -f "$K/lib/.complete" ] || [ "$HERE/kafka/pom.xml" -nt "$K/lib/.complete" ]; then
    say "kafka: fetching broker jars from Maven Central"
    rm -rf "$K/lib"; mkdir -p "$K/lib"
    mvnw -q -B -f "$HERE/kafka/pom.xml" dependency:copy-dependencies -DoutputDirectory="$K/lib" -DincludeScope=runtime \
      || die "kafka: could not fetch the broker jars (is Maven Central reachable?)"
    touch "$K/lib/.complete"
  fi
}

write_config() {
  mkdir -p "$K/data" "$K/logs"
  cat > "$K/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KEYWAY_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KEYWAY_KAFKA_PORT,CONTROLLER://127.0.0.1:$KEYWAY_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KEYWAY_KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$K/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.segment.bytes=104857600
PROPS
}

up() {
  require_java
  if pid_alive "$PIDFILE"; then
    say "kafka: already running on 127.0.0.1:$KEYWAY_KAFKA_PORT (pid $(cat "$PIDFILE"))"
  else
    for p in "$KEYWAY_KAFKA_PORT" "$KEYWAY_KAFKA_CONTROLLER_PORT"; do
      port_open "$p" && die "kafka: port $p is taken by another process (set KEYWAY_KAFKA_PORT / KEYWAY_KAFKA_CONTROLLER_PORT)"
    done
    ensure_jars
    write_config
    if [ ! -f "$K/data/meta.properties" ]; then
      local cid
      cid="$(java -cp "$K/lib/*" kafka.tools.StorageTool random-uuid 2>/dev/null)" || die "kafka: StorageTool failed"
      java -cp "$K/lib/*" kafka.tools.StorageTool format -t "$cid" -c "$K/server.properties" >"$K/logs/format.log" 2>&1 \
        || die "kafka: formatting the data folder failed, see $K/logs/format.log"
    fi
    say "kafka: starting on 127.0.0.1:$KEYWAY_KAFKA_PORT"
    nohup java -Xms128m -Xmx${KEYWAY_KAFKA_HEAP:-384m} -XX:+UseSerialGC \
      -Dlog4j2.configurationFile="$HERE/kafka/log4j2.properties" -Dkafka.logs.dir="$K/logs" \
      -cp "$K/lib/*" kafka.Kafka "$K/server.properties" >"$K/logs/stdout.log" 2>&1 < /dev/null &
    echo $! > "$PIDFILE"
    wait_port "$KEYWAY_KAFKA_PORT" 60 kafka "$(cat "$PIDFILE")" \
      || { tail -20 "$K/logs/server.log" "$K/logs/stdout.log" >&2 2>/dev/null; die "kafka: broker did not open its port, see $K/logs"; }
  fi
  local specs
  specs=$(grep -v '^#' "$HERE/topics.txt" | grep -v '^$' | tr '\n' ' ')
  # shellcheck disable=SC2086
  java -cp "$K/lib/*" "$HERE/kafka/Topics.java" "127.0.0.1:$KEYWAY_KAFKA_PORT" $specs \
    || die "kafka: creating topics failed"
  say "kafka: ready on 127.0.0.1:$KEYWAY_KAFKA_PORT"
}

case "${1:-status}" in
  up) up ;;
  down) stop_pidfile "$PIDFILE" kafka ;;
  status) if pid_alive "$PIDFILE"; then say "kafka: running on 127.0.0.1:$KEYWAY_KAFKA_PORT (pid $(cat "$PIDFILE"))"; else say "kafka: not running"; exit 3; fi ;;
  *) die "usage: kafka.sh up|down|status" ;;
esac
