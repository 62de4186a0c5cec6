package io.keyway.keys.secrets;

import static io.keyway.keys.secrets.TestSecrets.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code vault} store with Kubernetes authentication, selected by configuration only: the client sends the
 * service-account token read from {@code jwt-token-path} with its role.
 */
@QuarkusTest
@QuarkusTestResource(VaultStandInResource.class)
@TestProfile(VaultKubernetesAuthTests.Kubernetes.class)
class VaultKubernetesAuthTests {

    private static final TestSecrets SECRETS = new TestSecrets();

    public static class Kubernetes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path jwt = Files.createTempFile("keyway-standin-sa-token", ".jwt");
                Files.writeString(jwt, VaultStandIn.K8S_JWT);
                jwt.toFile().deleteOnExit();
                return Map.of(
                        "quarkus.vault.authentication.client-token", "",
                        "quarkus.vault.authentication.kubernetes.role", VaultStandIn.K8S_ROLE,
                        "quarkus.vault.authentication.kubernetes.jwt-token-path", jwt.toString(),
                        // the stand-in speaks plain HTTP; in a pod the client trusts the cluster CA by default
                        "quarkus.vault.tls.use-kubernetes-ca-cert", "false");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Inject
    SecretStores stores;

    @AfterAll
    static void noSecretReachedTheLogs() {
        CapturedLogs.assertNoneContain(SECRETS.issued());
        CapturedLogs.assertNoneContain(List.of(VaultStandIn.K8S_JWT));
    }

    @Test
    void theClientLogsInWithTheServiceAccountTokenAndUsesTheIssuedTokenForKv() {
        CapturedLogs.install();
        VaultStandInControl.reset();
        SecretValue secret = SECRETS.fresh();
        SecretOwner owner = new SecretOwner(UUID.randomUUID().toString(), "google-vertex", null);

        String locator = await(stores.create("vault", owner, secret));
        await(stores.rotate("vault", locator, owner, SECRETS.fresh()));
        await(stores.delete("vault", locator));

        List<String> requests = VaultStandInControl.requests();
        assertTrue(requests.contains("POST /v1/auth/kubernetes/login by none"), requests.toString());
        assertTrue(requests.contains("POST /v1/secret/data/" + locator + " by kubernetes"), requests.toString());
        assertTrue(requests.contains("DELETE /v1/secret/metadata/" + locator + " by kubernetes"),
                requests.toString());
        assertEquals(0, VaultStandInControl.versions("secret/" + locator).size());
    }
}
