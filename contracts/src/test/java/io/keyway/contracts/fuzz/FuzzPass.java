package io.keyway.contracts.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The fuzz pass over one service's HTTP API (issue 18, item 9): each {@link Target} gets {@link #tries()} requests of
 * {@link HostileInput}, and every answer must be below 500; every 4xx must be JSON
 * {@code {"error":{"code":<status>,"message":"..."}}} naming the problem (except the bodiless 414/431 of the HTTP codec
 * for a request line or headers past {@code quarkus.http.limits}); no answer may quote a secret the test set up.
 * <p>
 * Replay: the seed is fixed ({@value #DEFAULT_SEED}) unless {@code -Dkeyway.fuzz.seed=N} is given, and each target
 * draws from its own {@code Random(seed ^ hash(method path body))}, so a failure names the seed and the try that found it,
 * and {@code -Dkeyway.fuzz.seed=N} with the same code sends the same requests again. {@code -Dkeyway.fuzz.tries=N}
 * changes how many requests each target gets (default {@value #DEFAULT_TRIES}).
 */
public final class FuzzPass {

    public static final long DEFAULT_SEED = 20261218L;
    public static final int DEFAULT_TRIES = 30;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> BODY_METHODS = Set.of("POST", "PUT", "PATCH");

    /** One endpoint: its method, path template ({@code {name}} placeholders), valid values, query names and body. */
    public record Target(String method, String template, Map<String, String> pathValues, List<String> queryNames,
                         String exampleBody, Map<String, String> headers, boolean servesSecrets) {

        public static Target of(String method, String template) {
            return new Target(method, template, Map.of(), List.of(), null, Map.of(), false);
        }

        /** An endpoint whose successful answers carry secrets by design (routing views): only its errors are checked. */
        public Target servingSecrets() {
            return new Target(method, template, pathValues, queryNames, exampleBody, headers, true);
        }

        /** A placeholder's valid value, e.g. {@code path("id", accountId)}. */
        public Target path(String name, String value) {
            Map<String, String> values = new LinkedHashMap<>(pathValues);
            values.put(name, value);
            return new Target(method, template, values, queryNames, exampleBody, headers, servesSecrets);
        }

        public Target query(String... names) {
            return new Target(method, template, pathValues, List.of(names), exampleBody, headers, servesSecrets);
        }

        /** A valid body, which the pass mutates. */
        public Target body(String example) {
            return new Target(method, template, pathValues, queryNames, example, headers, servesSecrets);
        }

        public Target header(String name, String value) {
            Map<String, String> values = new LinkedHashMap<>(headers);
            values.put(name, value);
            return new Target(method, template, pathValues, queryNames, exampleBody, values, servesSecrets);
        }

        @Override
        public String toString() {
            return method + " " + template;
        }
    }

    private final URI base;
    private final Set<String> secrets;
    private HttpClient http = client();

    /**
     * @param base    the service's root, e.g. {@code http://localhost:8081}
     * @param secrets strings no answer may contain (keys and tokens the test set up)
     */
    public FuzzPass(URI base, Set<String> secrets) {
        this.base = base;
        this.secrets = secrets;
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    public static long seed() {
        return Long.getLong("keyway.fuzz.seed", DEFAULT_SEED);
    }

    public static int tries() {
        return Integer.getInteger("keyway.fuzz.tries", DEFAULT_TRIES);
    }

    /** Sends the target its tries; throws an AssertionError listing every bad answer, with the seed to replay them. */
    public void run(Target target) {
        long seed = seed();
        Random random = new Random(seed ^ (target + " " + target.exampleBody()).hashCode());
        HostileInput input = new HostileInput(random);
        List<String> findings = new ArrayList<>();
        int tries = tries();
        long started = System.nanoTime();
        Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        for (int i = 0; i < tries; i++) {
            Attempt attempt = attempt(target, input, random);
            statuses.merge(attempt.status(), 1, Integer::sum);
            String finding = check(attempt, target.servesSecrets());
            if (finding != null) {
                findings.add("try " + i + ": " + attempt + " -> " + finding);
            }
        }
        System.out.printf("fuzz %s: seed=%d tries=%d findings=%d statuses=%s in %d ms%n", target, seed, tries,
                findings.size(), statuses, (System.nanoTime() - started) / 1_000_000);
        if (!findings.isEmpty()) {
            throw new AssertionError(findings.size() + " bad answers from " + target + " (replay with -Dkeyway.fuzz.seed="
                    + seed + " -Dkeyway.fuzz.tries=" + tries + "):\n  " + String.join("\n  ",
                    findings.subList(0, Math.min(findings.size(), 15))));
        }
    }

    /** One generated request and its answer. */
    private record Attempt(String method, String uri, String contentType, byte[] body, int status, String answerType,
                           String answer) {
        @Override
        public String toString() {
            return method + " " + preview(uri) + " [" + contentType + "] body=" + preview(body == null ? "(none)"
                    : new String(body, StandardCharsets.UTF_8)) + " => " + status + " " + preview(answer);
        }
    }

    private Attempt attempt(Target target, HostileInput input, Random random) {
        String path = target.template();
        List<String> names = new ArrayList<>(target.pathValues().keySet());
        String oddName = !names.isEmpty() && random.nextInt(4) == 0 ? names.get(random.nextInt(names.size())) : null;
        for (String name : names) {
            path = path.replace("{" + name + "}", name.equals(oddName) ? input.pathSegment()
                    : target.pathValues().get(name));
        }
        StringBuilder query = new StringBuilder();
        if (!target.queryNames().isEmpty() && random.nextInt(3) != 0) {
            for (String name : target.queryNames()) {
                if (random.nextBoolean()) {
                    query.append(query.isEmpty() ? "?" : "&").append(name).append('=').append(input.queryValue());
                }
            }
            if (random.nextInt(8) == 0 && !target.queryNames().isEmpty()) { // the same parameter twice
                String name = target.queryNames().get(0);
                query.append(query.isEmpty() ? "?" : "&").append(name).append("=1&").append(name).append("=2");
            }
        } else if (random.nextInt(10) == 0) {
            query.append("?offset=").append(input.queryValue()).append("&%00=").append(input.queryValue());
        }
        boolean takesBody = BODY_METHODS.contains(target.method());
        byte[] body = null;
        String contentType = null;
        if (takesBody || random.nextInt(10) == 0) {
            body = takesBody && random.nextInt(6) == 0 && target.exampleBody() != null
                    ? HostileInput.utf8(target.exampleBody()) : input.body(target.exampleBody());
            contentType = random.nextInt(5) == 0 ? input.contentType() : "application/json";
        }
        Map<String, String> headers = new LinkedHashMap<>(target.headers());
        if (random.nextInt(8) == 0) {
            List<String> headerNames = new ArrayList<>(List.of("Idempotency-Key", "If-Match", "If-None-Match", "Accept"));
            if (random.nextInt(3) == 0) {
                headerNames.add("Authorization");
            }
            headers.put(headerNames.get(random.nextInt(headerNames.size())), input.headerValue());
        }
        String uri = base.toString().replaceAll("/$", "") + path + query;
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the generator made a URI Java cannot send: " + preview(uri), e);
        }
        request.method(target.method(), body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        headers.forEach((name, value) -> {
            try {
                request.setHeader(name, value);
            } catch (IllegalArgumentException e) {
                // a value HTTP cannot carry (Java refuses it): leave the header out
            }
        });
        try {
            HttpResponse<byte[]> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                // A connection the server closed after an earlier answer (414, 413) may be picked from the pool:
                // the same request once more on a new connection tells that apart from a request that gets no answer.
                http = client();
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            }
            if (response.headers().firstValue("Connection").orElse("").equalsIgnoreCase("close")) {
                http = client();
            }
            return new Attempt(target.method(), uri, contentType, body, response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""),
                    new String(response.body(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Attempt(target.method(), uri, contentType, body, -1, "", "no answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Null when the answer keeps the rules, else what is wrong with it. */
    private String check(Attempt a, boolean servesSecrets) {
        for (String secret : servesSecrets && a.status() < 400 ? Set.<String>of() : secrets) {
            if (secret != null && !secret.isEmpty() && a.answer().contains(secret)) {
                return "the answer quotes a secret";
            }
        }
        if (a.status() < 0 || a.status() >= 500) {
            return "status " + a.status();
        }
        if (a.status() < 400) {
            return null;
        }
        if ((a.status() == 414 || a.status() == 431) && a.answer().isEmpty()) {
            // Vert.x's HTTP codec refuses a request line or headers past quarkus.http.limits before any route runs,
            // with no body, and Quarkus offers no hook to write one: the one 4xx that cannot be JSON.
            return null;
        }
        if (!a.answerType().toLowerCase().startsWith("application/json")) {
            return "a " + a.status() + " that is not JSON (" + a.answerType() + ")";
        }
        JsonNode error;
        try {
            error = JSON.readTree(a.answer()).path("error");
        } catch (IOException e) {
            return "a " + a.status() + " whose body does not parse as JSON";
        }
        if (!error.path("message").isTextual() || error.path("message").asText().isBlank()) {
            return "a " + a.status() + " without error.message";
        }
        if (error.path("code").asInt() != a.status()) {
            return "error.code " + error.path("code") + " differs from the status " + a.status();
        }
        return null;
    }

    private static String preview(String s) {
        String flat = s.replace("\n", "\\n").replace("\u0000", "\\0");
        return flat.length() <= 160 ? flat : flat.substring(0, 160) + "…(" + flat.length() + " chars)";
    }
}
