package io.keyway.gateway.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.keyway.contracts.Topics;
import io.keyway.contracts.UsageEvent;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.metrics.UsagePublishLag;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * Publishes one usage event per request on keyway.usage.v1, keyed by account so each account's events stay in order
 * (idempotent producer, acks=all). Never blocks a response: the request thread only puts the event in a bounded
 * in-memory queue; one sender thread serializes it and hands it to a plain {@link KafkaProducer} (whose own buffer
 * batches records, {@code linger.ms}), so even a broker whose metadata is unknown (where {@code send} may wait up to
 * {@code max.block.ms}) never stalls an event loop. The request thread never wakes the sender: the sender drains the
 * queue every {@link #DRAIN_INTERVAL_NANOS} while events come (the producer lingers 200 ms per batch anyway), backing
 * off to {@link #IDLE_DRAIN_INTERVAL_NANOS} when none do, so a busy gateway pays no thread hand-over per request and
 * an idle one almost nothing. Never loses one silently: an event the broker did not take, or
 * the full queue refused, is logged at ERROR with its full JSON (it holds no secret) and counted in
 * {@code keyway_usage_events_failed_total}; queued plus unacknowledged events are the gauge
 * {@code keyway_usage_events_pending}.
 *
 * <p>Producer settings: every {@code kafka.*} property (bootstrap, security: the {@code KAFKA_*} environment), then
 * Keyway's fixed ones, then overrides from {@code keyway.gateway.usage.producer.<kafka property>}.
 */
@Startup
@Singleton
public class UsagePublisher {

    private static final Logger LOG = Logger.getLogger(UsagePublisher.class);
    static final String OVERRIDE_PREFIX = "keyway.gateway.usage.producer.";

    private record Pending(UsageEvent event, CompletableFuture<Void> done, RequestTrace trace) {
    }

    private final KafkaProducer<String, byte[]> producer;
    private final ObjectWriter writer;
    private final ObjectMapper json;
    private final int maxPending;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean brokerTrouble = new AtomicBoolean();
    private final Counter published;
    private final Counter failed;
    private final UsagePublishLag publishLag;
    /**
     * How long the sender sleeps when it found the queue empty: a twentieth of the producer's own linger.ms, so events
     * wait no longer for it, and a hundred wake-ups a second under load instead of one per event (at 2 ms its sleeps
     * were a tenth of its CPU time at one connection; docs/benchmarks.md).
     */
    static final long DRAIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** The longest sleep, reached after about 100 ms without an event: an idle gateway wakes 20 times a second. */
    static final long IDLE_DRAIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final Thread sender;
    private volatile boolean running = true;

    public UsagePublisher(@Identifier("default-kafka-broker") Map<String, Object> kafka, Config config,
                          ObjectMapper json, GatewayConfig gateway, MeterRegistry registry) {
        this.json = json;
        this.writer = json.writerFor(UsageEvent.class);
        this.maxPending = maxPending(gateway.usage().maxPending(), Runtime.getRuntime().maxMemory());
        this.published = registry.counter("keyway.usage.events.published");
        this.failed = registry.counter("keyway.usage.events.failed");
        this.publishLag = new UsagePublishLag(registry);
        this.producer = new KafkaProducer<>(producerConfig(kafka, config), new StringSerializer(),
                new ByteArraySerializer());
        this.sender = new Thread(this::sendLoop, "keyway-usage-publisher");
        sender.setDaemon(true);
        sender.start();
    }

    static Map<String, Object> producerConfig(Map<String, Object> kafka, Config config) {
        Map<String, Object> props = new HashMap<>();
        kafka.forEach((k, v) -> {
            if (ProducerConfig.configNames().contains(k)) {
                props.put(k, v);
            }
        });
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // Usage events are asynchronous: no response waits for them, so they travel in few, large, compressed
        // batches. Each produce request costs CPU here and on the broker; at 64 KiB batches and 20 ms a gateway
        // serving 6,000 requests/s sent one every ~18 ms, and on a shared 2-core machine every one of them delayed
        // the requests in flight (docs/benchmarks.md: the 1-connection p99 fell from 1.4 to 0.3 ms at 200 ms).
        // A batch leaves after 200 ms or at 256 KiB of compressed events (a few thousand); lz4 makes the stream
        // several times smaller on the brokers' disks for little CPU, and every Kafka client reads it.
        props.put(ProducerConfig.LINGER_MS_CONFIG, 200);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 262144);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "gateway-service-usage");
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(OVERRIDE_PREFIX)) {
                config.getOptionalValue(name, String.class)
                        .ifPresent(v -> props.put(name.substring(OVERRIDE_PREFIX.length()), v));
            }
        }
        // Fixed whatever the overrides say: the delivery guarantees of the usage stream.
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return props;
    }

    /** Completes when the broker has acknowledged the event (acks=all); fails when it did not take it. */
    public Uni<Void> publish(UsageEvent event) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!enqueue(event, done, RequestTrace.OFF)) {
            return Uni.createFrom().failure(new IllegalStateException("usage event buffer is full"));
        }
        return Uni.createFrom().completionStage(done);
    }

    /** Fire and forget, bounded; the outcome is counted and, when bad, logged with the event. */
    public void publishInBackground(UsageEvent event) {
        enqueue(event, null, RequestTrace.OFF);
    }

    /** As above, for a request whose trace the event joins (the record carries its context: {@link RequestTrace#publish}). */
    public void publishInBackground(UsageEvent event, RequestTrace trace) {
        enqueue(event, null, trace);
    }

    private boolean enqueue(UsageEvent event, CompletableFuture<Void> done, RequestTrace trace) {
        if (pending.incrementAndGet() > maxPending || !running) {
            pending.decrementAndGet();
            lost(event, "buffer full (" + maxPending + " events await the broker)");
            return false;
        }
        queue.offer(new Pending(event, done, trace));
        return true;
    }

    public int pending() {
        return pending.get();
    }

    /** How many events may wait for the broker: {@code keyway.gateway.usage.max-pending}, else from the heap. */
    public int maxPending() {
        return maxPending;
    }

    /** The configured bound, else a quarter of {@code maxHeapBytes} at 2 KB per event, between 1,000 and 50,000. */
    static int maxPending(OptionalInt configured, long maxHeapBytes) {
        if (configured.isPresent()) {
            return configured.getAsInt();
        }
        return (int) Math.max(1_000, Math.min(50_000, maxHeapBytes / 4 / 2048));
    }

    private void sendLoop() {
        long park = DRAIN_INTERVAL_NANOS;
        while (true) {
            Pending p = queue.poll();
            if (p != null) {
                send(p);
                park = DRAIN_INTERVAL_NANOS;
            } else if (!running) {
                return;
            } else {
                LockSupport.parkNanos(this, park);
                park = Math.min(2 * park, IDLE_DRAIN_INTERVAL_NANOS);
            }
        }
    }

    private void send(Pending p) {
        byte[] value;
        try {
            value = writer.writeValueAsBytes(p.event());
        } catch (Exception e) {
            pending.decrementAndGet();
            lost(p.event(), e.getClass().getSimpleName() + ": " + e.getMessage());
            complete(p.done(), e);
            return;
        }
        // The callback holds the event's JSON, not the event: the producer keeps every callback until its batch is
        // acknowledged (200 ms of linger and more), and one array is far cheaper for the young collector to carry
        // than an event's graph of strings and numbers.
        CompletableFuture<Void> done = p.done();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.USAGE, p.event().accountId(), value);
        Span span = p.trace().publish(record, p.event().eventId());
        long endedAt = UsagePublishLag.endedAtMillis(p.event());
        try {
            producer.send(record, (metadata, failure) -> {
                RequestTrace.published(span, failure);
                pending.decrementAndGet();
                if (failure == null) {
                    published.increment();
                    publishLag.acknowledged(endedAt);
                    if (brokerTrouble.compareAndSet(true, false)) {
                        LOG.info("Usage events are being published again");
                    }
                    complete(done, null);
                } else {
                    brokerTrouble.set(true);
                    lost(value, failure.getClass().getSimpleName() + ": " + failure.getMessage());
                    complete(done, failure);
                }
            });
        } catch (Exception e) { // metadata not available within max.block.ms, closed producer
            RequestTrace.published(span, e);
            pending.decrementAndGet();
            brokerTrouble.set(true);
            lost(value, e.getClass().getSimpleName() + ": " + e.getMessage());
            complete(done, e);
        }
    }

    private static void complete(CompletableFuture<Void> done, Throwable failure) {
        if (done == null) {
            return;
        }
        if (failure == null) {
            done.complete(null);
        } else {
            done.completeExceptionally(failure);
        }
    }

    @PreDestroy
    void close() {
        running = false;
        LockSupport.unpark(sender);
        try {
            sender.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Pending p; !sender.isAlive() && (p = queue.poll()) != null; ) { // offered while it was stopping
            send(p);
        }
        producer.close(Duration.ofSeconds(10));
    }

    private void lost(UsageEvent event, String reason) {
        String body;
        try {
            body = json.writeValueAsString(event);
        } catch (Exception e) {
            body = event.eventId();
        }
        lost(body, reason);
    }

    private void lost(byte[] json, String reason) {
        lost(new String(json, StandardCharsets.UTF_8), reason);
    }

    private void lost(String body, String reason) {
        failed.increment();
        LOG.errorf("Usage event NOT published (%s); replay it from this line: %s", reason, body);
    }
}
