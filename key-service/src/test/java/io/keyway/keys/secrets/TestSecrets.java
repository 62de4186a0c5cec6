package io.keyway.keys.secrets;

import io.smallrye.mutiny.Uni;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Fresh, unique secret values for tests, remembered so that each test class can check none reached a log. */
final class TestSecrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final List<String> issued = new CopyOnWriteArrayList<>();

    SecretValue fresh() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        String value = "sk-test-" + HexFormat.of().formatHex(bytes);
        issued.add(value);
        return new SecretValue(value);
    }

    List<String> issued() {
        return issued;
    }

    static <T> T await(Uni<T> uni) {
        return uni.await().atMost(Duration.ofSeconds(30));
    }
}
