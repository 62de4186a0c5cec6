package io.keyway.keys.secrets;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of the secret stores, under {@code keyway.keys.secrets} (documented in key-service/README.md,
 * "Secret stores"). Every default works on one machine.
 */
@ConfigMapping(prefix = "keyway.keys.secrets")
public interface SecretStoresConfig {

    /** How long a secret read from a store is served from memory without asking the store again. */
    @WithDefault("30s")
    Duration cacheTtl();

    /** Most secrets held in memory (fresh and stale copies each). */
    @WithDefault("10000")
    long cacheMaxEntries();

    /** While a store is down, a secret read successfully within this window is still served. */
    @WithDefault("15m")
    Duration staleWindow();

    /** Longest wait for one call to a store. */
    @WithDefault("3s")
    Duration timeout();

    /** Extra attempts for reads and deletes (creates and rotations are not repeated: they are not idempotent). */
    @WithDefault("2")
    int retries();

    @WithDefault("200ms")
    Duration retryDelay();

    CircuitBreaker circuitBreaker();

    Local local();

    Aws aws();

    Vault vault();

    interface CircuitBreaker {
        /** Calls in the rolling window the breaker looks at. */
        @WithDefault("6")
        int requestVolume();

        /** Share of failed calls in the window that opens the breaker. */
        @WithDefault("0.5")
        double failureRatio();

        /** How long an open breaker fails calls at once before letting one through. */
        @WithDefault("10s")
        Duration delay();
    }

    interface Local {
        @WithDefault("true")
        boolean enabled();

        /** Master keys by id, each a base64-encoded 32-byte AES key. Old ids stay so older secrets still decrypt. */
        Map<String, String> masterKeys();

        /**
         * The id of the master key that wraps new data keys (and that {@code rewrap} moves old ones to). Required, with
         * at least one master key, while the store is enabled: key-service refuses to start otherwise.
         */
        Optional<String> activeMasterKey();

        /** Re-wrap, in the background after start, every data key still wrapped by a non-active master key. */
        @WithDefault("false")
        boolean rewrapAtStart();

        /**
         * How long a version replaced by a rotation is kept before it is deleted: long enough for an operator to undo a
         * rotation by hand from the database, short enough that a leaked old key does not stay decryptable for long.
         */
        @WithDefault("24h")
        java.time.Duration oldVersionGrace();

        /** How often each replica deletes versions past {@code old-version-grace}. */
        @WithDefault("10m")
        java.time.Duration oldVersionSweepInterval();
    }

    interface Aws {
        /** Off unless configured: production uses the default AWS credential chain (IRSA on EKS). */
        @WithDefault("false")
        boolean enabled();

        /** KMS key that encrypts new secrets; the account's default {@code aws/secretsmanager} key when empty. */
        Optional<String> kmsKeyId();

        /** Prefix of every secret name Keyway creates. */
        @WithDefault("keyway/")
        String namePrefix();
    }

    interface Vault {
        /** Off unless configured, so the Vault client never connects when nobody uses it. */
        @WithDefault("false")
        boolean enabled();

        /** Mount point of the KV version 2 engine. */
        @WithDefault("secret")
        String mount();

        /** Path under the mount where Keyway keeps its secrets. */
        @WithDefault("keyway")
        String pathPrefix();
    }
}
