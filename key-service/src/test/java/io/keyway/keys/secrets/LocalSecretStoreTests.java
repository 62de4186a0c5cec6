package io.keyway.keys.secrets;

import static io.keyway.keys.secrets.TestSecrets.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@code local} store: AES-256-GCM envelope encryption in the real PostgreSQL test database. */
@QuarkusTest
@QuarkusTestResource(VaultStandInResource.class)
class LocalSecretStoreTests {

    private static final TestSecrets SECRETS = new TestSecrets();
    private static final SecretOwner OWNER =
            new SecretOwner(UUID.randomUUID().toString(), "mistral", UUID.randomUUID().toString());

    @Inject
    SecretStores stores;

    @Inject
    Pool pool;

    @Inject
    io.smallrye.faulttolerance.api.CircuitBreakerMaintenance breakers;

    @org.junit.jupiter.api.BeforeEach
    void closedBreakers() {
        breakers.resetAll();
    }

    @BeforeAll
    static void captureLogs() {
        CapturedLogs.install();
    }

    @AfterAll
    static void noSecretReachedTheLogs() {
        CapturedLogs.assertNoneContain(SECRETS.issued());
    }

    @Test
    void createStoresOnlyCiphertextAndReadDecryptsIt() {
        SecretValue secret = SECRETS.fresh();

        String locator = await(stores.create("local", OWNER, secret));
        stores.clearCaches();

        assertEquals(secret.value(), await(stores.read("local", locator)).value());
        List<Row> versions = versions(locator);
        assertEquals(1, versions.size());
        assertEquals("dev-insecure", versions.get(0).getString("master_key_id"));
        byte[] ciphertext = versions.get(0).getBuffer("ciphertext").getBytes();
        assertFalse(new String(ciphertext, StandardCharsets.ISO_8859_1).contains(secret.value()),
                "the secret is stored in clear");
        Row secretRow = await(pool.preparedQuery("SELECT account_id, provider, record_id FROM local_secrets"
                + " WHERE id = $1").execute(Tuple.of(UUID.fromString(locator)))).iterator().next();
        assertEquals(OWNER.accountId(), secretRow.getString("account_id"));
        assertEquals(OWNER.provider(), secretRow.getString("provider"));
    }

    @Test
    void rotationWritesANewVersionUnderTheSameLocatorAndKeepsTheOldOne() {
        SecretValue first = SECRETS.fresh();
        SecretValue second = SECRETS.fresh();
        String locator = await(stores.create("local", OWNER, first));

        await(stores.rotate("local", locator, OWNER, second));
        stores.clearCaches();

        assertEquals(second.value(), await(stores.read("local", locator)).value());
        List<Row> versions = versions(locator);
        assertEquals(List.of(1, 2), versions.stream().map(r -> r.getInteger("version")).toList());
        assertFalse(versions.get(0).getBuffer("wrapped_data_key").getBytes().length == 0);
        assertFalse(java.util.Arrays.equals(versions.get(0).getBuffer("wrapped_data_key").getBytes(),
                versions.get(1).getBuffer("wrapped_data_key").getBytes()), "versions share a data key");
    }

    @Test
    void rotatingASecretThatDoesNotExistFailsAsNotFoundAndWritesNothing() {
        String locator = UUID.randomUUID().toString();

        assertThrows(SecretNotFoundException.class,
                () -> await(stores.rotate("local", locator, OWNER, SECRETS.fresh())));

        assertTrue(versions(locator).isEmpty());
    }

    @Test
    void deleteRemovesTheSecretAndAllItsVersions() {
        String locator = await(stores.create("local", OWNER, SECRETS.fresh()));
        await(stores.rotate("local", locator, OWNER, SECRETS.fresh()));

        await(stores.delete("local", locator));

        assertTrue(versions(locator).isEmpty());
        assertThrows(SecretNotFoundException.class, () -> await(stores.read("local", locator)));
        await(stores.delete("local", locator));
    }

    @Test
    void aLocatorThatIsNotOneOfOursIsNotFound() {
        assertThrows(SecretNotFoundException.class, () -> await(stores.read("local", "not-a-uuid")));
        assertThrows(SecretNotFoundException.class,
                () -> await(stores.read("local", UUID.randomUUID().toString())));
    }

    @Test
    void anOlderMasterKeyStillDecryptsAndRewrapMovesItsDataKeysToTheActiveKey() {
        String oldId = "old-" + UUID.randomUUID();
        String newId = "new-" + UUID.randomUUID();
        Map<String, String> both = Map.of(oldId, randomKey(), newId, randomKey());
        LocalSecretStore beforeRotation = store(both, oldId);
        LocalSecretStore duringRotation = store(both, newId);
        LocalSecretStore afterRotation = store(Map.of(newId, both.get(newId)), newId);
        SecretValue early = SECRETS.fresh();
        SecretValue late = SECRETS.fresh();

        String earlyLocator = await(beforeRotation.create(OWNER, early));
        String lateLocator = await(duringRotation.create(OWNER, late));

        assertEquals(early.value(), await(duringRotation.read(earlyLocator)).value(), "old master key lost");
        SecretStoreUnavailableException e = assertThrows(SecretStoreUnavailableException.class,
                () -> await(afterRotation.read(earlyLocator)));
        assertTrue(e.getMessage().contains("master key '" + oldId + "' is not configured"), e.getMessage());

        int moved = await(duringRotation.rewrapToActiveKey());

        assertEquals(1, moved);
        assertEquals(newId, versions(earlyLocator).get(0).getString("master_key_id"));
        assertEquals(early.value(), await(afterRotation.read(earlyLocator)).value());
        assertEquals(late.value(), await(afterRotation.read(lateLocator)).value());
        assertEquals(0, await(duringRotation.rewrapToActiveKey()), "a second re-wrap found work");
    }

    @Test
    void aCiphertextMovedToAnotherSecretFailsItsIntegrityCheckWithoutTrippingTheBreaker() {
        String victim = await(stores.create("local", OWNER, SECRETS.fresh()));
        String other = await(stores.create("local", OWNER, SECRETS.fresh()));
        await(pool.preparedQuery("UPDATE local_secret_versions SET ciphertext ="
                        + " (SELECT ciphertext FROM local_secret_versions WHERE secret_id = $2),"
                        + " wrapped_data_key = (SELECT wrapped_data_key FROM local_secret_versions WHERE secret_id = $2)"
                        + " WHERE secret_id = $1")
                .execute(Tuple.of(UUID.fromString(victim), UUID.fromString(other))));
        stores.clearCaches();

        SecretStoreUnavailableException e = assertThrows(SecretStoreUnavailableException.class,
                () -> await(stores.read("local", victim)));

        assertTrue(e.getMessage().contains("integrity"), e.getMessage());
        for (int i = 0; i < 6; i++) {
            assertThrows(SecretUnreadableException.class, () -> await(stores.read("local", victim)));
        }
        assertEquals(io.smallrye.faulttolerance.api.CircuitBreakerState.CLOSED,
                breakers.currentState(SecretStores.circuitBreakerName("local", true)));
    }

    @Test
    void masterKeyConfigurationErrorsNameTheKeyIdButNeverTheKey() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);

        IllegalStateException tooShort = assertThrows(IllegalStateException.class,
                () -> new LocalMasterKeys(Map.of("k1", shortKey), "k1"));
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> new LocalMasterKeys(Map.of("k1", randomKey()), "k2"));
        IllegalStateException notBase64 = assertThrows(IllegalStateException.class,
                () -> new LocalMasterKeys(Map.of("k1", "not base64 at all!"), "k1"));

        assertEquals("master key 'k1' must be 32 bytes, not 16", tooShort.getMessage());
        assertTrue(missing.getMessage().contains("'k2'"), missing.getMessage());
        assertFalse(notBase64.getMessage().contains("not base64 at all!"));
    }

    private LocalSecretStore store(Map<String, String> keys, String active) {
        return new LocalSecretStore(pool, new LocalMasterKeys(keys, active), true, false);
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    private List<Row> versions(String locator) {
        List<Row> rows = new ArrayList<>();
        UUID id;
        try {
            id = UUID.fromString(locator);
        } catch (IllegalArgumentException e) {
            return rows;
        }
        await(pool.preparedQuery("SELECT version, master_key_id, wrapped_data_key, ciphertext"
                        + " FROM local_secret_versions WHERE secret_id = $1 ORDER BY version")
                .execute(Tuple.of(id))).forEach(rows::add);
        return rows;
    }
}
