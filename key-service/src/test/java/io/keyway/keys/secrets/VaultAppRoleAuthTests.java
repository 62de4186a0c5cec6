package io.keyway.keys.secrets;

import static io.keyway.keys.secrets.TestSecrets.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The {@code vault} store with AppRole authentication, selected by configuration only. */
@QuarkusTest
@QuarkusTestResource(VaultStandInResource.class)
@TestProfile(VaultAppRoleAuthTests.AppRole.class)
class VaultAppRoleAuthTests {

    private static final TestSecrets SECRETS = new TestSecrets();

    public static class AppRole implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.vault.authentication.client-token", "",
                    "quarkus.vault.authentication.app-role.role-id", VaultStandIn.ROLE_ID,
                    "quarkus.vault.authentication.app-role.secret-id", VaultStandIn.SECRET_ID);
        }
    }

    @Inject
    SecretStores stores;

    @AfterAll
    static void noSecretReachedTheLogs() {
        CapturedLogs.assertNoneContain(SECRETS.issued());
        CapturedLogs.assertNoneContain(List.of(VaultStandIn.SECRET_ID));
    }

    @Test
    void theClientLogsInWithItsRoleAndSecretIdAndUsesTheIssuedTokenForKv() {
        CapturedLogs.install();
        VaultStandInControl.reset();
        assertEquals("20s", org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("keyway.keys.secrets.timeout", String.class), "the login tests time nothing");
        SecretValue secret = SECRETS.fresh();
        SecretOwner owner = new SecretOwner(UUID.randomUUID().toString(), "openai", null);

        String locator = await(stores.create("vault", owner, secret));
        stores.clearCaches();
        assertEquals(secret.value(), await(stores.read("vault", locator)).value());

        List<String> requests = VaultStandInControl.requests();
        assertTrue(requests.contains("POST /v1/auth/approle/login by none"), requests.toString());
        assertTrue(requests.contains("POST /v1/secret/data/" + locator + " by approle"), requests.toString());
        assertTrue(requests.contains("GET /v1/secret/data/" + locator + " by approle"), requests.toString());
        assertTrue(requests.stream().noneMatch(r -> r.endsWith(" by root")), "the static token was used");
    }
}
