package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MID;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static io.keyway.gateway.it.KeywayServices.PRICEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The contract test with OpenRouter's own client: seeds an account through the real key-service and billing-service
 * (management key, API key, a BYOK key, credits, pooled credentials), then runs {@code contract-tests/openrouter-sdk}
 * — the official {@code @openrouter/sdk} and the {@code openai} npm SDK, pinned in a lockfile, under Node's built-in
 * test runner — against the three running services. The SDK validates every answer strictly, so a missing or
 * mistyped field fails here. Node's output is printed with every key and secret of the run replaced by {@code ****}.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class OpenRouterSdkContractE2ETests extends GatewayE2E {

    static final Path DIR = Path.of("../contract-tests/openrouter-sdk");
    static final long NPM_CI_MINUTES = 5;
    static final long NODE_TEST_MINUTES = 5;

    @TestHTTPResource("/")
    URL gateway;

    @Test
    void openRouterSdkAndOpenAiSdkAcceptEveryAnswerOfTheRunningServices() throws Exception {
        var key = new Seed.ApiKey[1];
        Seed.Account account = fundedAccount(key);
        String byokSecret = secret("ok");
        String byokId = seed.byok(account, CHEAP, byokSecret, Map.of());
        List<String> pooledSecrets = List.of(secret("ok"), secret("ok"), secret("ok"));
        seed.pooled(CHEAP, pooledSecrets.get(0));
        seed.pooled(MID, pooledSecrets.get(1));
        seed.pooled(PRICEY, pooledSecrets.get(2));
        // One served request before the SDK looks at the endpoints: CHEAP's statistics then have data.
        chat(key[0], body(MODEL)).then().statusCode(200);

        Map<String, String> env = new LinkedHashMap<>();
        env.put("KEYWAY_GATEWAY_URL", gateway.toString().replaceAll("/$", ""));
        env.put("KEYWAY_KEYS_URL", KeywayServices.keyServiceUrl);
        env.put("KEYWAY_BILLING_URL", KeywayServices.billingUrl);
        env.put("KEYWAY_MANAGEMENT_KEY", account.managementKey());
        env.put("KEYWAY_API_KEY", key[0].key());
        env.put("KEYWAY_API_KEY_HASH", key[0].hash());
        env.put("KEYWAY_MODEL", MODEL);
        env.put("KEYWAY_MODEL_PROVIDERS", String.join(",", CHEAP, MID, PRICEY));
        env.put("KEYWAY_MEASURED_PROVIDER", CHEAP);
        env.put("KEYWAY_BYOK_PROVIDER", MID);
        env.put("KEYWAY_BYOK_KEY_ID", byokId);
        List<String> secrets = new java.util.ArrayList<>(List.of(account.managementKey(), key[0].key(), byokSecret));
        secrets.addAll(pooledSecrets);

        installPinnedPackages();
        Run run = run(List.of("node", "--test"), env, NODE_TEST_MINUTES);
        String output = redact(run.output(), secrets);
        System.out.println("---- node --test (contract-tests/openrouter-sdk) ----\n" + output);
        if (run.exitCode() != 0) {
            fail("OpenRouter SDK contract test failed (node exit " + run.exitCode() + "); failing calls:\n"
                    + failures(output));
        }
    }

    /** {@code npm ci} unless node_modules already holds exactly what the lockfile pins. */
    static void installPinnedPackages() throws Exception {
        String lockHash = sha256(Files.readAllBytes(DIR.resolve("package-lock.json")));
        Path stamp = DIR.resolve("node_modules/.keyway-lock-sha256");
        if (Files.exists(stamp) && Files.readString(stamp).strip().equals(lockHash)) {
            return;
        }
        Run ci = run(List.of("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"), Map.of(), NPM_CI_MINUTES);
        assertEquals(0, ci.exitCode(), () -> "npm ci failed in " + DIR + ":\n" + ci.output());
        Files.writeString(stamp, lockHash);
    }

    record Run(int exitCode, String output) {
    }

    static Run run(List<String> command, Map<String, String> env, long minutes) throws Exception {
        Path log = Files.createTempFile("keyway-sdk-contract", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new IllegalStateException(command.get(0) + " could not be started: Node.js 20+ and npm must be on"
                        + " the PATH for the OpenRouter SDK contract test", e);
            }
            if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within " + minutes + " minutes:\n"
                        + Files.readString(log));
            }
            return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    static String redact(String text, List<String> secrets) {
        for (String s : secrets) {
            text = text.replace(s, "****");
        }
        return text.replaceAll("sk-kw-[A-Za-z0-9-]+", "****");
    }

    /** The "not ok" lines of the runner's TAP output and the call/field messages under them. */
    static String failures(String output) {
        StringBuilder b = new StringBuilder();
        for (String line : output.split("\n")) {
            String t = line.strip();
            if (t.startsWith("not ok") || t.contains(" failed: ") || t.startsWith("✖") || t.startsWith("→")) {
                b.append(line).append('\n');
            }
        }
        return b.length() > 0 ? b.toString() : output;
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
