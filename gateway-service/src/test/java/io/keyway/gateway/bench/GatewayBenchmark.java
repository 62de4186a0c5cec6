package io.keyway.gateway.bench;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MODEL;

import io.keyway.gateway.it.KeywayServices;
import io.keyway.gateway.it.Seed;
import io.keyway.gateway.standin.OtlpCollectorStandIn;
import io.restassured.RestAssured;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Gateway overhead benchmark (not part of the default test run: {@code ./mvnw -pl gateway-service verify -Pbench},
 * which runs it after {@code package}, against the packaged gateway). The gateway runs as its OWN process (the
 * packaged jar, JVM flags {@code -Dbench.gateway.jvm}, default the recommended ones below) with the real key-service and
 * billing-service jars behind it; this JVM holds the load generator and the upstream stand-in. The same closed-loop
 * load (N connections, each sending the next request when the last answer is complete) goes once directly to the
 * stand-in and once through the gateway (warm caches), plain and streamed, at 1, 16 and 64 connections. Reports added
 * p50/p99 latency, throughput, streamed first-event overhead, the gateway process's CPU time per request and its
 * peak resident memory (from /proc), and writes target/bench/results.md.
 */
class GatewayBenchmark {

    static final int SECONDS = Integer.getInteger("bench.seconds", 10);
    /** Per mode, before the measured cells: C2 still spends 5–12 % of the gateway's CPU 50 s in (docs/benchmarks.md). */
    static final int WARMUP_SECONDS = Integer.getInteger("bench.warmup-seconds", 40);
    /** The flags recommended for a small instance (gateway-service/README.md, "Hot path and memory"). */
    static final String GATEWAY_JVM = System.getProperty("bench.gateway.jvm",
            "-Xmx96m -XX:+UseSerialGC -XX:SurvivorRatio=4 -XX:TrimNativeHeapInterval=5000 -XX:+UseTransparentHugePages");
    /** Environment of the gateway process, {@code K=V,K2=V2}: glibc's malloc arenas capped as in the image. */
    static final String GATEWAY_ENV = System.getProperty("bench.gateway.env", "MALLOC_ARENA_MAX=2");
    /**
     * The gateway to measure, default the build of this checkout; {@code -Dbench.gateway.jar=<copy of another build's
     * quarkus-app>/quarkus-run.jar} measures that one with the same load, to compare two versions in one sitting.
     */
    static final Path GATEWAY_JAR =
            Path.of(System.getProperty("bench.gateway.jar", "target/quarkus-app/quarkus-run.jar"));
    /**
     * billing-service would consume the usage events on the same cores: by default its usage consumer is off for the
     * run (billing still runs: it grants the budget leases pooled requests reserve against).
     */
    static final boolean KEEP_BILLING = Boolean.getBoolean("bench.keep-billing");
    /**
     * Which modes to measure: {@code plain}, {@code stream} (the OpenAI-compatible path, relayed without copying) and
     * {@code anthropic-plain}, {@code anthropic-stream} (a translating adapter, against the Anthropic stand-in); default
     * all four; e.g. {@code -Dbench.modes=stream} for profiling. A build from before the anthropic adapter is measured
     * with {@code -Dbench.modes=plain,stream -Dkeyway.it.native-providers=false}.
     */
    static final String MODES = System.getProperty("bench.modes", "plain,stream,anthropic-plain,anthropic-stream");
    static final List<String> MODE_LIST = List.of(MODES.split(","));
    /**
     * Each cell (direct, then through the gateway) is measured this many times in a row and every figure reported is
     * the median of those runs, with the range of the gateway's added p99 and CPU per request beside it: on a shared
     * 2-core VM one run of a 1-connection cell varies by ±30 %.
     */
    static final int REPEATS = Integer.getInteger("bench.repeats", 3);
    /** Where to write the 1-connection cells' slow requests (see {@link #writeSlowLog}); off by default. */
    static final String SLOW_LOG = System.getProperty("bench.slow-log");
    /** Which connection counts to measure, e.g. {@code -Dbench.conns=1} to look at the 1-connection tail alone. */
    /**
     * With {@code -Dbench.floor=true}: also measure {@link RelayFloor} (a bare Vert.x relay with the gateway's JVM flags)
     * beside the gateway, to tell the stack's own cost from Keyway's.
     */
    static final boolean FLOOR = Boolean.getBoolean("bench.floor");
    /**
     * With {@code -Dbench.tracing=true}: the gateway traces every request (started with the OTLP endpoint alone,
     * {@code keyway.otel.endpoint}, as {@code KEYWAY_OTEL_ENDPOINT} does in production) and exports its spans over
     * OTLP/HTTP to a collector STAND-IN on loopback ({@link OtlpCollectorStandIn}: accepts and counts, decodes nothing),
     * so the run measures what tracing on costs: spans created, batched, encoded and sent. Default off: the gateway as
     * deployed without an endpoint.
     */
    static final boolean TRACING = Boolean.getBoolean("bench.tracing");
    static final int[] CONNS = Arrays.stream(System.getProperty("bench.conns", "1,16,64").split(","))
            .mapToInt(c -> Integer.parseInt(c.trim())).toArray();

    /** What is measured: the OpenAI-compatible relay, or the anthropic adapter's translation; plain or streamed. */
    enum Mode {
        PLAIN("plain", false, false),
        STREAM("stream", true, false),
        ANTHROPIC_PLAIN("anthropic-plain", false, true),
        ANTHROPIC_STREAM("anthropic-stream", true, true);

        final String wireName;
        final boolean stream;
        final boolean anthropic;

        Mode(String wireName, boolean stream, boolean anthropic) {
            this.wireName = wireName;
            this.stream = stream;
            this.anthropic = anthropic;
        }

        /** Through the gateway to the Anthropic stand-in: the same request an OpenAI client sends. */
        String gatewayBody() {
            return "{\"model\":\"" + KeywayServices.CLAUDE + "\",\"provider\":{\"only\":[\"" + KeywayServices.ANTHROPIC
                    + "\"]},\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]"
                    + (stream ? ",\"stream\":true" : "") + "}";
        }

        /** Directly to the Anthropic stand-in: the Messages request the adapter sends. */
        String directBody() {
            return "{\"model\":\"claude-sonnet-4-20250514\",\"max_tokens\":64,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]" + (stream ? ",\"stream\":true" : "")
                    + "}";
        }
    }

    record Result(String target, int connections, boolean stream, long requests, double seconds, long errors,
                  double p50, double p99, double firstP50, double cpuMsPerRequest, long peakRssMb,
                  Map<String, Double> cpuMsPerRequestByThread) {
        double rps() {
            return requests / seconds;
        }
    }

    @Test
    void measureAddedLatencyAndThroughput() throws Exception {
        // billing's consumer group is new on every run: it starts at the end of the usage topic instead of working
        // through the events of every earlier run (millions on a machine that benchmarks often) during the warm-up
        // Without -Dbench.keep-billing, billing's usage consumer is off (it would consume the events on the same cores),
        // but billing itself runs: it grants the budget leases the gateway reserves pooled requests against.
        // The account states of this run on a topic of their own: a billing-service of another checkout consuming the
        // shared usage topic would publish states of this run's account (negative, from the charges alone) that the
        // gateway would take, and refuse every request with 402.
        String stateTopic = "keyway.account-state.bench-" + java.util.UUID.randomUUID();
        List<String> billingArgs = new ArrayList<>(List.of("-Dkeyway.billing.consumer.auto-offset-reset=latest",
                "-Dkeyway.billing.account-state-topic=" + stateTopic));
        if (!KEEP_BILLING) {
            billingArgs.add("-Dkeyway.billing.consumer.enabled=false");
        }
        KeywayServices services = new KeywayServices(billingArgs);
        Map<String, String> config = new java.util.HashMap<>(services.start());
        config.put("mp.messaging.incoming.account-state.topic", stateTopic);
        OtlpCollectorStandIn collector = TRACING ? new OtlpCollectorStandIn() : null;
        if (collector != null) {
            config.put("keyway.otel.endpoint", collector.endpoint());
            config.put("quarkus.otel.exporter.otlp.protocol", "http/protobuf");
        }
        Process gateway = null;
        Process floor = null;
        StringBuilder floorTable = new StringBuilder();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        StringBuilder table = new StringBuilder();
        StringBuilder threads = new StringBuilder();
        Seed seed = new Seed();
        try {
            int port = KeywayServices.freePort();
            int floorPort = KeywayServices.freePort();
            if (FLOOR) {
                floor = launchFloor(floorPort);
            }
            gateway = launchGateway(port, config);
            KeywayServices.awaitReady("http://127.0.0.1:" + port, gateway, "gateway", "target/bench/gateway.log");
            long pid = gateway.pid();
            RestAssured.baseURI = "http://127.0.0.1";
            RestAssured.port = port;
            Seed.Account account = seed.account();
            Seed.ApiKey key = seed.apiKey(account);
            seed.topUp(account, "100000.00");
            seed.pooled(CHEAP, "ok-bench");
            boolean anthropic = MODE_LIST.stream().anyMatch(m -> m.startsWith("anthropic"));
            if (anthropic) {
                seed.pooled(KeywayServices.ANTHROPIC, "ok-bench");
            }
            String gatewayBody = "{\"model\":\"" + MODEL + "\",\"provider\":{\"only\":[\"" + CHEAP + "\"]},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]%s}";
            String directBody = "{\"model\":\"alpha-cheap\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]%s}";
            // Wait until billing's account state has reached the gateway, then warm both paths up.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (run(vertx, -1, port, "/api/v1/chat/completions", "Bearer " + key.key(),
                    gatewayBody.formatted(""), 1, false, 1).errors() > 0 && System.nanoTime() < until) {
                Thread.sleep(200);
            }
            run(vertx, -1, KeywayServices.upstream.port(), "/v1/chat/completions", "Bearer ok-bench",
                    directBody.formatted(""), 16, false, 5);
            run(vertx, pid, port, "/api/v1/chat/completions", "Bearer " + key.key(),
                    gatewayBody.formatted(""), 16, false, WARMUP_SECONDS);
            run(vertx, pid, port, "/api/v1/chat/completions", "Bearer " + key.key(),
                    gatewayBody.formatted(",\"stream\":true"), 16, true, WARMUP_SECONDS);
            if (anthropic) {
                for (Mode m : List.of(Mode.ANTHROPIC_PLAIN, Mode.ANTHROPIC_STREAM)) {
                    run(vertx, pid, port, "/api/v1/chat/completions", "Bearer " + key.key(), m.gatewayBody(), 16,
                            m.stream, WARMUP_SECONDS / 2);
                }
            }
            if (floor != null) { // the same warm-up as the gateway's
                for (boolean stream : new boolean[] {false, true}) {
                    run(vertx, -1, floorPort, "/v1/chat/completions", "Bearer ok-bench",
                            directBody.formatted(stream ? ",\"stream\":true" : ""), 16, stream, WARMUP_SECONDS);
                    run(vertx, -1, floorPort, "/v1/chat/completions", "Bearer ok-bench",
                            directBody.formatted(stream ? ",\"stream\":true" : ""), 1, stream, 5);
                }
            }
            // Let the warm-up's background work settle, then warm the 1-connection path up (warm-up above runs at 16
            // connections): otherwise the first cell measures both.
            Thread.sleep(5_000);
            long idleCpuBefore = cpuNanos(pid); // what the gateway spends with no request at all (Kafka clients, timers)
            Thread.sleep(5_000);
            double idleCpuMsPerSecond = (cpuNanos(pid) - idleCpuBefore) / 1e6 / 5;
            run(vertx, pid, port, "/api/v1/chat/completions", "Bearer " + key.key(), gatewayBody.formatted(""), 1, false, 5);
            run(vertx, pid, port, "/api/v1/chat/completions", "Bearer " + key.key(),
                    gatewayBody.formatted(",\"stream\":true"), 1, true, 5);
            long idleRss = rssMb(pid);
            String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();

            table.append("| mode | conns | direct p50 ms | direct p99 ms | gateway p50 ms | gateway p99 ms | added p50 ms"
                    + " | added p99 ms (range) | direct req/s | gateway req/s | first event added p50 ms"
                    + " | gateway CPU ms/req (range) | gateway peak RSS MB | gateway errors |\n"
                    + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (Mode mode : Mode.values()) {
                if (!MODE_LIST.contains(mode.wireName)) {
                    continue;
                }
                boolean stream = mode.stream;
                for (int conns : CONNS) {
                    String extra = stream ? ",\"stream\":true" : "";
                    List<Result> directRuns = new ArrayList<>();
                    List<Result> viaRuns = new ArrayList<>();
                    List<Result> floorRuns = new ArrayList<>();
                    for (int r = 0; r < REPEATS; r++) {
                        if (mode.anthropic) {
                            directRuns.add(run(vertx, -1, KeywayServices.anthropic.port(), "/v1/messages",
                                    "Bearer ok-bench", mode.directBody(), conns, stream, SECONDS));
                            viaRuns.add(run(vertx, pid, port, "/api/v1/chat/completions",
                                    "Bearer " + key.key(), mode.gatewayBody(), conns, stream, SECONDS));
                            continue;
                        }
                        directRuns.add(run(vertx, -1, KeywayServices.upstream.port(), "/v1/chat/completions",
                                "Bearer ok-bench", directBody.formatted(extra), conns, stream, SECONDS));
                        if (floor != null) {
                            floorRuns.add(run(vertx, floor.pid(), floorPort, "/v1/chat/completions",
                                    "Bearer ok-bench", directBody.formatted(extra), conns, stream, SECONDS));
                        }
                        viaRuns.add(run(vertx, pid, port, "/api/v1/chat/completions",
                                "Bearer " + key.key(), gatewayBody.formatted(extra), conns, stream, SECONDS));
                    }
                    double[] addedP99 = new double[REPEATS];
                    double[] cpu = new double[REPEATS];
                    for (int r = 0; r < REPEATS; r++) {
                        addedP99[r] = viaRuns.get(r).p99() - directRuns.get(r).p99();
                        cpu[r] = viaRuns.get(r).cpuMsPerRequest();
                    }
                    double directP50 = median(directRuns, Result::p50);
                    double directP99 = median(directRuns, Result::p99);
                    double viaP50 = median(viaRuns, Result::p50);
                    double viaP99 = median(viaRuns, Result::p99);
                    table.append(String.format("| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f (%.3f–%.3f) | %.0f | %.0f | %s | %.3f (%.3f–%.3f) | %d | %d |%n",
                            mode.wireName, conns, directP50, directP99, viaP50, viaP99,
                            viaP50 - directP50, viaP99 - directP99, min(addedP99), max(addedP99),
                            median(directRuns, Result::rps), median(viaRuns, Result::rps),
                            stream ? String.format("%.3f", median(viaRuns, Result::firstP50)
                                    - median(directRuns, Result::firstP50)) : "–",
                            median(viaRuns, Result::cpuMsPerRequest), min(cpu), max(cpu),
                            viaRuns.stream().mapToLong(Result::peakRssMb).max().orElse(-1),
                            viaRuns.stream().mapToLong(Result::errors).sum()));
                    if (!floorRuns.isEmpty()) {
                        floorTable.append(String.format("| %s | %d | %.3f | %.3f | %.0f | %.4f | %.4f | %.4f |%n",
                                stream ? "stream" : "plain", conns, median(floorRuns, Result::p50) - directP50,
                                viaP50 - directP50, median(floorRuns, Result::rps),
                                median(floorRuns, Result::cpuMsPerRequest),
                                median(floorRuns, run -> run.cpuMsPerRequestByThread().getOrDefault("event loops", 0.0)),
                                median(viaRuns, Result::cpuMsPerRequest)));
                    }
                    threads.append(String.format("| %s | %d |", mode.wireName, conns));
                    for (String group : THREAD_GROUPS) {
                        threads.append(String.format(" %.4f |", median(viaRuns,
                                run -> run.cpuMsPerRequestByThread().getOrDefault(group, 0.0))));
                    }
                    threads.append('\n');
                }
            }
            if (collector != null && collector.requests() == 0) {
                throw new AssertionError("-Dbench.tracing: the gateway exported no span; see target/bench/gateway.log");
            }
            String report = "Run " + Instant.now() + ", " + SECONDS + " s per cell, median of " + REPEATS
                    + " runs per cell, tracing " + (collector == null ? "off (no OTLP endpoint)"
                            : "ON (every request, OTLP/HTTP to a loopback collector stand-in: " + collector.requests()
                            + " exports, " + collector.bytes() / (1024 * 1024) + " MiB)") + ", "
                    + Runtime.getRuntime().availableProcessors() + " CPUs, JVM " + System.getProperty("java.version")
                    + ", gateway process flags `" + GATEWAY_JVM + "`, env `" + GATEWAY_ENV + "`, gateway RSS after warm-up " + idleRss + " MB, gateway CPU when idle "
                    + String.format("%.1f", idleCpuMsPerSecond) + " ms/s, "
                    + (KEEP_BILLING ? "billing-service consuming during the run"
                            : "billing-service's usage consumer off (billing answers budget lease syncs)")
                    + ", /proc/loadavg before " + loadBefore + ", after " + Files.readString(Path.of("/proc/loadavg")).trim()
                    + "\n\n"
                    + table
                    + "\nWhere the gateway's CPU per request goes (ms, median of the runs), by thread:\n\n"
                    + "| mode | conns | " + String.join(" | ", THREAD_GROUPS) + " |\n|---|---|"
                    + "---|".repeat(THREAD_GROUPS.size()) + "\n"
                    + threads
                    + (floorTable.isEmpty() ? "" : "\nThe same stack without Keyway ("
                    + "RelayFloor: a bare Vert.x relay, same JVM flags), beside the gateway:\n\n"
                    + "| mode | conns | relay added p50 ms | gateway added p50 ms | relay req/s | relay CPU ms/req"
                    + " | of which event loops | gateway CPU ms/req |\n|---|---|---|---|---|---|---|---|\n"
                    + floorTable);
            Files.createDirectories(Path.of("target/bench"));
            Files.writeString(Path.of("target/bench/results.md"), report);
            System.out.println(report);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            try {
                seed.cleanUp();
            } catch (Exception e) {
                // key-service may already be gone
            }
            if (floor != null) {
                floor.destroyForcibly();
            }
            if (collector != null) {
                collector.close();
            }
            if (gateway != null) {
                gateway.destroy();
                if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
                    gateway.destroyForcibly();
                }
            }
            services.stop();
        }
    }

    static Process launchFloor(int port) throws Exception {
        Path log = Path.of("target/bench/floor.log");
        Process p = withGatewayFlags(List.of("-cp", System.getProperty("java.class.path"), RelayFloor.class.getName(),
                String.valueOf(port), String.valueOf(KeywayServices.upstream.port())), log).start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.readString(log).contains("ready") && p.isAlive() && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        if (!p.isAlive() || !Files.readString(log).contains("ready")) {
            throw new IllegalStateException("RelayFloor did not start: " + Files.readString(log));
        }
        return p;
    }

    static Process launchGateway(int port, Map<String, String> config) throws Exception {
        if (!Files.exists(GATEWAY_JAR)) {
            throw new IllegalStateException(GATEWAY_JAR + " is missing: run with -Pbench through `verify` (after package)");
        }
        List<String> args = new ArrayList<>(List.of("-Djava.util.logging.manager=org.jboss.logmanager.LogManager"));
        config.forEach((k, v) -> args.add("-D" + k + "=" + v));
        args.addAll(List.of("-jar", GATEWAY_JAR.toAbsolutePath().toString()));
        ProcessBuilder pb = withGatewayFlags(args, Path.of("target/bench/gateway.log"));
        pb.environment().put("KEYWAY_HTTP_HOST", "127.0.0.1");
        pb.environment().put("KEYWAY_GATEWAY_PORT", String.valueOf(port));
        pb.environment().put("KEYWAY_KAFKA_BOOTSTRAP", System.getProperty("keyway.test.kafka", "127.0.0.1:19092"));
        return pb.start();
    }

    /**
     * {@code java <-Dbench.gateway.jvm flags> <args>} with {@code -Dbench.gateway.env}'s environment, output to
     * {@code log}: the gateway and the relay floor run alike.
     */
    static ProcessBuilder withGatewayFlags(List<String> args, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(Arrays.asList(GATEWAY_JVM.trim().split("\\s+")));
        command.addAll(args);
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        for (String pair : GATEWAY_ENV.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                pb.environment().put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        return pb;
    }

    /** Closed loop: {@code conns} connections, each sends its next request when the previous answer is complete. */
    static Result run(Vertx vertx, long gatewayPid, int port, String path, String auth, String body, int conns,
                      boolean stream, int seconds) throws InterruptedException {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(conns));
        Buffer payload = Buffer.buffer(body);
        int capacity = 2_000_000;
        long[] latencies = new long[capacity];
        long[] firsts = new long[capacity];
        long[] ends = SLOW_LOG == null ? null : new long[capacity];
        AtomicInteger count = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch done = new CountDownLatch(conns);
        long cpuBefore = gatewayPid > 0 ? cpuNanos(gatewayPid) : 0;
        Map<String, Long> threadsBefore = gatewayPid > 0 ? cpuNanosByThread(gatewayPid) : Map.of();
        long[] peakRss = {gatewayPid > 0 ? rssMb(gatewayPid) : -1};
        // Sampled on a thread of its own: reading /proc on the load generator's event loop would delay the requests.
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        if (gatewayPid > 0) {
            sampler.scheduleAtFixedRate(() -> peakRss[0] = Math.max(peakRss[0], rssMb(gatewayPid)), 200, 200,
                    TimeUnit.MILLISECONDS);
        }
        long start = System.nanoTime();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
                .setURI(path).putHeader("Authorization", auth).putHeader("Content-Type", "application/json");
        if (path.equals("/v1/messages")) { // straight to the Anthropic stand-in: the API's version header
            options.putHeader("anthropic-version", "2023-06-01");
        }
        for (int i = 0; i < conns; i++) {
            vertx.runOnContext(v -> loop(client, options, payload, end, latencies, firsts, ends, count, errors, done));
        }
        done.await(seconds + 60L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long cpu = gatewayPid > 0 ? cpuNanos(gatewayPid) - cpuBefore : 0;
        Map<String, Double> byThread = new TreeMap<>();
        if (gatewayPid > 0 && count.get() > 0) {
            cpuNanosByThread(gatewayPid).forEach((group, nanos) -> byThread.put(group,
                    (nanos - threadsBefore.getOrDefault(group, 0L)) / 1e6 / count.get()));
        }
        sampler.shutdownNow();
        sampler.awaitTermination(5, TimeUnit.SECONDS);
        if (gatewayPid > 0) {
            peakRss[0] = Math.max(peakRss[0], rssMb(gatewayPid));
        }
        client.close();
        int n = Math.min(count.get(), capacity);
        if (ends != null && conns == 1) {
            writeSlowLog(gatewayPid > 0 ? "gateway" : "direct", stream, latencies, ends, n);
        }
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        long[] firstSorted = Arrays.copyOf(firsts, n);
        Arrays.sort(firstSorted);
        return new Result(gatewayPid > 0 ? "gateway" : "upstream", conns, stream, n, elapsed, errors.get(),
                pct(sorted, 0.50), pct(sorted, 0.99), pct(firstSorted, 0.50), n == 0 ? 0 : cpu / 1e6 / n, peakRss[0], byThread);
    }

    static void loop(HttpClient client, RequestOptions options, Buffer payload, long end, long[] latencies,
                     long[] firsts, long[] ends, AtomicInteger count, AtomicInteger errors, CountDownLatch done) {
        if (System.nanoTime() >= end) {
            done.countDown();
            return;
        }
        long t0 = System.nanoTime();
        long[] first = {0};
        client.request(options).compose(req -> req.send(payload)).onComplete(ar -> {
            if (ar.failed()) {
                errors.incrementAndGet();
                loop(client, options, payload, end, latencies, firsts, ends, count, errors, done);
                return;
            }
            var resp = ar.result();
            resp.handler(b -> {
                if (first[0] == 0) {
                    first[0] = System.nanoTime();
                }
            });
            resp.exceptionHandler(t -> errors.incrementAndGet());
            resp.endHandler(v -> {
                long t1 = System.nanoTime();
                if (resp.statusCode() != 200) {
                    errors.incrementAndGet();
                } else {
                    int i = count.getAndIncrement();
                    if (i < latencies.length) {
                        latencies[i] = t1 - t0;
                        firsts[i] = (first[0] == 0 ? t1 : first[0]) - t0;
                        if (ends != null) {
                            ends[i] = t1;
                        }
                    }
                }
                loop(client, options, payload, end, latencies, firsts, ends, count, errors, done);
            });
        });
    }

    /**
     * With {@code -Dbench.slow-log=<dir>}: the end time ({@code System.nanoTime()}, CLOCK_MONOTONIC like the JVM's
     * {@code -Xlog} decorator {@code timenanos}) and latency of every 1-connection request over 0.5 ms, to line the
     * tail up with the gateway's GC and safepoint log.
     */
    static void writeSlowLog(String target, boolean stream, long[] latencies, long[] ends, int n) {
        StringBuilder out = new StringBuilder("# end_nanos latency_nanos (" + n + " requests)\n");
        for (int i = 0; i < n; i++) {
            if (latencies[i] > 500_000) {
                out.append(ends[i]).append(' ').append(latencies[i]).append('\n');
            }
        }
        try {
            Path dir = Files.createDirectories(Path.of(SLOW_LOG));
            Files.writeString(dir.resolve("slow-" + target + "-" + (stream ? "stream" : "plain") + "-"
                    + System.nanoTime() + ".txt"), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double median(List<Result> runs, ToDoubleFunction<Result> figure) {
        double[] v = runs.stream().mapToDouble(figure).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }

    static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
    }

    /** utime + stime of a process from /proc/<pid>/stat, in ns (USER_HZ = 100 on Linux). */
    static long cpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
        } catch (Exception e) {
            return 0;
        }
    }

    /**
     * The gateway's CPU time so far by kind of thread (from {@code /proc/<pid>/task/<tid>/stat}): event loops, the usage
     * publisher, the JIT compilers, the VM thread (where the serial collector runs), Kafka clients, the rest. Threads
     * that ended between two readings drop out, so the groups are for telling where the time goes, not for adding up.
     */
    static Map<String, Long> cpuNanosByThread(long pid) {
        Map<String, Long> groups = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long nanos = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
                    groups.merge(threadGroup(name), nanos, Long::sum);
                } catch (Exception e) {
                    // the thread ended while we listed them
                }
            }
        } catch (Exception e) {
            return Map.of();
        }
        return groups;
    }

    static final List<String> THREAD_GROUPS = List.of("event loops", "usage publisher", "Kafka clients",
            "span export", "VM thread (GC)", "JIT compiler", "other");

    static String threadGroup(String name) {
        if (name.startsWith("vert.x-eventloo")) {
            return "event loops";
        } else if (name.startsWith("keyway-usage")) {
            return "usage publisher";
        } else if (name.contains("CompilerThre")) {
            return "JIT compiler";
        } else if (name.equals("VM Thread")) {
            return "VM thread (GC)";
        } else if (name.startsWith("kafka") || name.startsWith("smallrye-kafka")) {
            return "Kafka clients";
        } else if (name.startsWith("BatchSpanProc")) { // the OpenTelemetry SDK's exporter thread (tracing on)
            return "span export";
        }
        return "other";
    }

    static long rssMb(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS"))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024).findFirst().orElse(-1L);
        } catch (Exception e) {
            return -1;
        }
    }
}
