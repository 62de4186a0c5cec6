package io.keyway.keys.secrets;

import static io.keyway.keys.secrets.TestSecrets.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vault.client.VaultClient;
import io.quarkus.vault.client.VaultClientException;
import io.quarkus.vault.client.api.secrets.kv2.VaultSecretsKV2;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@code vault} store against the Vault stand-in, through the real Quarkus Vault client (token auth). */
@QuarkusTest
@QuarkusTestResource(VaultStandInResource.class)
class VaultSecretStoreTests {

    private static final TestSecrets SECRETS = new TestSecrets();
    private static final SecretOwner OWNER =
            new SecretOwner(UUID.randomUUID().toString(), "openai", UUID.randomUUID().toString());

    @Inject
    SecretStores stores;

    @Inject
    VaultClient vault;

    @Inject
    CircuitBreakerMaintenance breakers;

    @BeforeAll
    static void captureLogs() {
        CapturedLogs.install();
    }

    @BeforeEach
    void healthyVault() {
        VaultStandInControl.reset();
        breakers.resetAll();
    }

    @AfterAll
    static void noSecretReachedTheLogs() {
        CapturedLogs.assertNoneContain(SECRETS.issued());
    }

    @Test
    void createWritesTheSecretAsKvVersionOneUnderTheAccountAndProviderPath() throws Exception {
        SecretValue secret = SECRETS.fresh();

        String locator = await(stores.create("vault", OWNER, secret));

        assertTrue(locator.startsWith("keyway/" + OWNER.accountId() + "/openai/"), locator);
        var stored = kv().readSecret(locator).toCompletableFuture().get();
        assertEquals(secret.value(), stored.getData().get("value"));
        assertEquals(Integer.valueOf(1), stored.getMetadata().getVersion());
        assertTrue(VaultStandInControl.requests().contains("POST /v1/secret/data/" + locator + " by root"),
                "the client did not write through KV v2 with the configured token");
    }

    @Test
    void readReturnsTheStoredSecret() {
        SecretValue secret = SECRETS.fresh();
        String locator = await(stores.create("vault", OWNER, secret));
        stores.clearCaches();

        assertEquals(secret.value(), await(stores.read("vault", locator)).value());
        assertTrue(VaultStandInControl.requests().contains("GET /v1/secret/data/" + locator + " by root"));
    }

    @Test
    void rotationWritesANewVersionAtTheSameLocator() throws Exception {
        SecretValue first = SECRETS.fresh();
        SecretValue second = SECRETS.fresh();
        String locator = await(stores.create("vault", OWNER, first));

        await(stores.rotate("vault", locator, OWNER, second));

        assertEquals(Integer.valueOf(2), kv().readSecretMetadata(locator).toCompletableFuture().get().getCurrentVersion());
        assertEquals(first.value(), kv().readSecret(locator, 1).toCompletableFuture().get().getData().get("value"),
                "the version before the rotation is still there, as in Vault");
        assertEquals(List.of(first.value(), second.value()),
                VaultStandInControl.versions("secret/" + locator).stream().map(v -> v.get("value")).toList());
        assertEquals(second.value(), await(stores.read("vault", locator)).value());
        stores.clearCaches();
        assertEquals(second.value(), await(stores.read("vault", locator)).value());
    }

    @Test
    void rotatingASecretVaultDoesNotHaveFailsAsNotFoundAndWritesNothing() {
        String locator = "keyway/" + OWNER.accountId() + "/openai/" + UUID.randomUUID();

        assertThrows(SecretNotFoundException.class,
                () -> await(stores.rotate("vault", locator, OWNER, SECRETS.fresh())));

        assertTrue(VaultStandInControl.versions("secret/" + locator).isEmpty(), "rotation recreated the secret");
    }

    @Test
    void deleteRemovesTheMetadataAndWithItEveryVersion() {
        String locator = await(stores.create("vault", OWNER, SECRETS.fresh()));
        await(stores.rotate("vault", locator, OWNER, SECRETS.fresh()));

        await(stores.delete("vault", locator));

        assertTrue(VaultStandInControl.requests().contains("DELETE /v1/secret/metadata/" + locator + " by root"));
        assertTrue(VaultStandInControl.versions("secret/" + locator).isEmpty());
        assertEquals(404, statusOf(() -> kv().readSecretMetadata(locator).toCompletableFuture().get()));
        assertThrows(SecretNotFoundException.class, () -> await(stores.read("vault", locator)));
    }

    @Test
    void deletingASecretThatIsAlreadyGoneSucceeds() {
        await(stores.delete("vault", "keyway/" + OWNER.accountId() + "/openai/" + UUID.randomUUID()));
    }

    @Test
    void permissionDeniedIsUnavailableNamingTheStoreAndGivesNoSecret() {
        String locator = await(stores.create("vault", OWNER, SECRETS.fresh()));
        stores.clearCaches();
        VaultStandInControl.deny();

        SecretStoreUnavailableException e = assertThrows(SecretStoreUnavailableException.class,
                () -> await(stores.read("vault", locator)));

        assertEquals("vault", e.store());
        assertTrue(e.getMessage().contains("secret store 'vault'") && e.getMessage().contains("permission denied"),
                e.getMessage());
    }

    @Test
    void aSealedVaultIsUnavailableNamingTheStoreAndGivesNoSecret() {
        String locator = await(stores.create("vault", OWNER, SECRETS.fresh()));
        stores.clearCaches();
        VaultStandInControl.seal();

        SecretStoreUnavailableException e = assertThrows(SecretStoreUnavailableException.class,
                () -> await(stores.read("vault", locator)));

        assertEquals("vault", e.store());
        assertTrue(e.getMessage().contains("sealed"), e.getMessage());
        assertThrows(SecretStoreUnavailableException.class,
                () -> await(stores.create("vault", OWNER, SECRETS.fresh())));
    }

    @Test
    void theVaultClientDoesNotLogTheSecretsItWritesAndReads() {
        SecretValue secret = SECRETS.fresh();
        String locator = await(stores.create("vault", OWNER, secret));
        stores.clearCaches();
        await(stores.read("vault", locator));

        assertFalse(CapturedLogs.anyContains(secret.value()));
    }

    private VaultSecretsKV2 kv() {
        return vault.secrets().kv2("secret");
    }

    private static int statusOf(ThrowingCall call) {
        try {
            call.run();
            return 200;
        } catch (ExecutionException | CompletionException e) {
            return e.getCause() instanceof VaultClientException v ? v.getStatus() : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    @FunctionalInterface
    interface ThrowingCall {
        void run() throws Exception;
    }
}
