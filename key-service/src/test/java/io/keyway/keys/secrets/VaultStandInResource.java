package io.keyway.keys.secrets;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts the {@link VaultStandIn} for the test application and points the Quarkus Vault client at it (the
 * authentication comes from {@code %test} configuration — token — or from the AppRole and Kubernetes test profiles,
 * which must win over this resource, so it sets none). Also tightens the secret stores' timeouts so that fault tests
 * run in seconds.
 */
public class VaultStandInResource implements QuarkusTestResourceLifecycleManager {

    private VaultStandIn standIn;
    private String profile;

    @Override
    public void setContext(Context context) {
        profile = context.testProfile();
    }

    @Override
    public Map<String, String> start() {
        try {
            standIn = VaultStandIn.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.vault.url", standIn.url());
        config.put("keyway.keys.secrets.vault.enabled", "true");
        // Fault tests time the stores in seconds. The login tests (AppRole and Kubernetes profiles) time nothing, and
        // their first call logs in on a cold client, which took over 3 s on a build machine under load.
        boolean loginTest = profile != null
                && (profile.endsWith("VaultAppRoleAuthTests$AppRole") || profile.endsWith("VaultKubernetesAuthTests$Kubernetes"));
        config.put("keyway.keys.secrets.timeout", loginTest ? "20s" : "3s");
        config.put("keyway.keys.secrets.retry-delay", "50ms");
        config.put("keyway.keys.secrets.circuit-breaker.delay", "1s");
        // Log as much as the code can, so that the "no secret in the logs" checks mean something.
        config.put("quarkus.log.category.\"io.keyway\".level", "DEBUG");
        config.put("quarkus.log.category.\"io.quarkus.vault\".level", "DEBUG");
        return config;
    }

    @Override
    public void stop() {
        if (standIn != null) {
            standIn.stop();
        }
    }
}
