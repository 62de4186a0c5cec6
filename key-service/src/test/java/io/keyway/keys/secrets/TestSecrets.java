package io.keyway.keys.secrets;

import io.smallrye.mutiny.Uni;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Fresh, unique secret values for tests, remembered so that each test class can check none reached a log. */
public final class TestSecrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final List<String> issued = new CopyOnWriteArrayList<>();

    SecretValue fresh() {
        String value = fakeSecret();
        issued.add(value);
        return new SecretValue(value);
    }

    /**
     * A provider secret generated for a test, visibly fake: {@code sk-test-FAKE-} and 48 random hex digits (the shape
     * {@link io.keyway.keys.NoSecretInSuiteLogs} looks for in the suite's logs).
     */
    public static String fakeSecret() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return "sk-test-FAKE-" + HexFormat.of().formatHex(bytes);
    }

    List<String> issued() {
        return issued;
    }

    static <T> T await(Uni<T> uni) {
        return uni.await().atMost(Duration.ofSeconds(30));
    }
}
