package io.keyway.gateway.bench;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MODEL;

import io.keyway.gateway.it.KeywayServices;
import io.keyway.gateway.it.Seed;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Gateway overhead benchmark (not part of the default test run: {@code ./mvnw -pl gateway-service verify -Pbench}).
 * The same closed-loop load (N connections, each sending the next request when the last answer is complete) goes
 * once directly to the upstream stand-in and once through the gateway (real key-service and billing-service behind
 * it, warm caches), plain and streamed, at 1, 16 and 64 connections. Reports added p50/p99 latency, throughput,
 * streamed first-event overhead, CPU per request (this JVM's CPU time, which holds gateway, load generator and
 * stand-in: gateway CPU ≈ via-gateway minus direct) and resident memory. Writes target/bench/results.md.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class GatewayBenchmark {

    static final int SECONDS = Integer.getInteger("bench.seconds", 10);

    @TestHTTPResource("/")
    URL gateway;

    record Result(String target, int connections, boolean stream, long requests, double seconds, long errors,
                  double p50, double p99, double firstP50, double cpuMsPerRequest) {
        double rps() {
            return requests / seconds;
        }
    }

    @Test
    void measureAddedLatencyAndThroughput() throws Exception {
        Seed seed = new Seed();
        Seed.Account account = seed.account();
        Seed.ApiKey key = seed.apiKey(account);
        seed.topUp(account, "100000.00");
        seed.pooled(CHEAP, "ok-bench");
        String gatewayBody = "{\"model\":\"" + MODEL + "\",\"provider\":{\"only\":[\"" + CHEAP + "\"]},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]%s}";
        String directBody = "{\"model\":\"alpha-cheap\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]%s}";
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        StringBuilder table = new StringBuilder();
        try {
            // Wait until billing's account state has reached the gateway, then warm both paths up.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (run(vertx, "gateway", gateway.getPort(), "/api/v1/chat/completions", "Bearer " + key.key(),
                    gatewayBody.formatted(""), 1, false, 1).errors() > 0 && System.nanoTime() < until) {
                Thread.sleep(200);
            }
            run(vertx, "upstream", KeywayServices.upstream.port(), "/v1/chat/completions", "Bearer ok-bench",
                    directBody.formatted(""), 16, false, 5);
            run(vertx, "gateway", gateway.getPort(), "/api/v1/chat/completions", "Bearer " + key.key(),
                    gatewayBody.formatted(""), 16, false, 5);
            run(vertx, "gateway", gateway.getPort(), "/api/v1/chat/completions", "Bearer " + key.key(),
                    gatewayBody.formatted(",\"stream\":true"), 16, true, 5);

            table.append("| mode | conns | direct p50 ms | direct p99 ms | gateway p50 ms | gateway p99 ms | added p50 ms"
                    + " | added p99 ms | direct req/s | gateway req/s | first event added p50 ms | CPU ms/req direct"
                    + " | CPU ms/req gateway | gateway errors |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (boolean stream : new boolean[] {false, true}) {
                for (int conns : new int[] {1, 16, 64}) {
                    String extra = stream ? ",\"stream\":true" : "";
                    Result direct = run(vertx, "upstream", KeywayServices.upstream.port(), "/v1/chat/completions",
                            "Bearer ok-bench", directBody.formatted(extra), conns, stream, SECONDS);
                    Result via = run(vertx, "gateway", gateway.getPort(), "/api/v1/chat/completions",
                            "Bearer " + key.key(), gatewayBody.formatted(extra), conns, stream, SECONDS);
                    table.append(String.format("| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.0f | %.0f | %s | %.3f | %.3f | %d |%n",
                            stream ? "stream" : "plain", conns, direct.p50(), direct.p99(), via.p50(), via.p99(),
                            via.p50() - direct.p50(), via.p99() - direct.p99(), direct.rps(), via.rps(),
                            stream ? String.format("%.3f", via.firstP50() - direct.firstP50()) : "–",
                            direct.cpuMsPerRequest(), via.cpuMsPerRequest(), via.errors()));
                }
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            seed.cleanUp();
        }
        String report = "Run " + Instant.now() + ", " + SECONDS + " s per cell, "
                + Runtime.getRuntime().availableProcessors() + " CPUs, JVM " + System.getProperty("java.version")
                + ", RSS of the JVM holding gateway + load generator + stand-in at the end: " + rssMb() + " MB\n\n"
                + table;
        Files.createDirectories(Path.of("target/bench"));
        Files.writeString(Path.of("target/bench/results.md"), report);
        System.out.println(report);
    }

    /** Closed loop: {@code conns} connections, each sends its next request when the previous answer is complete. */
    static Result run(Vertx vertx, String target, int port, String path, String auth, String body, int conns,
                      boolean stream, int seconds) throws InterruptedException {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(conns));
        Buffer payload = Buffer.buffer(body);
        int capacity = 2_000_000;
        long[] latencies = new long[capacity];
        long[] firsts = new long[capacity];
        AtomicInteger count = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch done = new CountDownLatch(conns);
        long cpuBefore = cpuNanos();
        long start = System.nanoTime();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
                .setURI(path).putHeader("Authorization", auth).putHeader("Content-Type", "application/json");
        for (int i = 0; i < conns; i++) {
            vertx.runOnContext(v -> loop(client, options, payload, end, latencies, firsts, count, errors, done));
        }
        done.await(seconds + 60L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long cpu = cpuNanos() - cpuBefore;
        client.close();
        int n = Math.min(count.get(), capacity);
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        long[] firstSorted = Arrays.copyOf(firsts, n);
        Arrays.sort(firstSorted);
        return new Result(target, conns, stream, n, elapsed, errors.get(), pct(sorted, 0.50), pct(sorted, 0.99),
                pct(firstSorted, 0.50), n == 0 ? 0 : cpu / 1e6 / n);
    }

    static void loop(HttpClient client, RequestOptions options, Buffer payload, long end, long[] latencies,
                     long[] firsts, AtomicInteger count, AtomicInteger errors, CountDownLatch done) {
        if (System.nanoTime() >= end) {
            done.countDown();
            return;
        }
        long t0 = System.nanoTime();
        long[] first = {0};
        client.request(options).compose(req -> req.send(payload)).onComplete(ar -> {
            if (ar.failed()) {
                errors.incrementAndGet();
                loop(client, options, payload, end, latencies, firsts, count, errors, done);
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
                    }
                }
                loop(client, options, payload, end, latencies, firsts, count, errors, done);
            });
        });
    }

    static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static long rssMb() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS"))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024).findFirst().orElse(-1L);
        } catch (Exception e) {
            return -1;
        }
    }
}
