package io.keyway.keys.secrets;

import static io.keyway.keys.secrets.TestSecrets.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 8: the local store binds each ciphertext to its account and record, checks the owner on a read, still
 * reads versions written before the binding, and deletes versions a rotation replaced once their grace has passed.
 */
@QuarkusTest
@QuarkusTestResource(VaultStandInResource.class)
class LocalSecretOwnershipTests {

    private static final TestSecrets SECRETS = new TestSecrets();

    @Inject
    Pool pool;

    private final String masterKey = randomKey();

    @BeforeAll
    static void captureLogs() {
        CapturedLogs.install();
    }

    @AfterAll
    static void noSecretReachedTheLogs() {
        CapturedLogs.assertNoneContain(SECRETS.issued());
    }

    private LocalSecretStore store(Duration grace) {
        return new LocalSecretStore(pool, new LocalMasterKeys(Map.of("owner-test", masterKey), "owner-test"), true, false,
                grace, Duration.ofHours(1));
    }

    private static SecretOwner owner() {
        return new SecretOwner(UUID.randomUUID().toString(), "openai", UUID.randomUUID().toString());
    }

    @Test
    void aSecretWhoseRowIsReassignedToAnotherAccountAndRecordNoLongerDecrypts() {
        LocalSecretStore store = store(Duration.ofHours(24));
        SecretOwner a = owner();
        SecretOwner b = owner();
        String locator = await(store.create(a, SECRETS.fresh()));
        await(pool.preparedQuery("UPDATE local_secrets SET account_id = $2, record_id = $3 WHERE id = $1")
                .execute(Tuple.of(UUID.fromString(locator), b.accountId(), b.recordId())));

        assertThrows(SecretUnreadableException.class, () -> await(store.read(locator)),
                "the ciphertext is bound to the account and record it was written for");
    }

    @Test
    void aReadForAnotherOwnerIsNotFoundAndTheOwnersReadSucceeds() {
        LocalSecretStore store = store(Duration.ofHours(24));
        SecretOwner a = owner();
        SecretValue secret = SECRETS.fresh();
        String locator = await(store.create(a, secret));

        assertThrows(SecretNotFoundException.class, () -> await(store.read(locator, owner())));
        assertThrows(SecretNotFoundException.class,
                () -> await(store.read(locator, new SecretOwner(a.accountId(), "openai", UUID.randomUUID().toString()))));
        assertThrows(SecretNotFoundException.class,
                () -> await(store.rotate(locator, owner(), SECRETS.fresh())), "nor may another owner rotate it");
        assertTrue(secret.value().equals(await(store.read(locator, a)).value()), "the owner reads its secret");
    }

    @Test
    void aVersionWrittenBeforeTheOwnerBindingStillDecrypts() {
        LocalSecretStore store = store(Duration.ofHours(24));
        SecretOwner a = owner();
        SecretValue secret = SECRETS.fresh();
        String locator = await(store.create(a, secret));
        UUID id = UUID.fromString(locator);
        // Re-seal the version as the store did before issue 18 (associated data: secret id and version only).
        Row row = await(pool.preparedQuery("SELECT wrapped_data_key FROM local_secret_versions WHERE secret_id = $1")
                .execute(Tuple.of(id))).iterator().next();
        LocalMasterKeys keys = new LocalMasterKeys(Map.of("owner-test", masterKey), "owner-test");
        byte[] dataKey = keys.unwrap("owner-test", row.getBuffer("wrapped_data_key").getBytes(),
                LocalSecretStore.dataKeyAad(id, 1, "owner-test"));
        byte[] v1 = LocalMasterKeys.seal(new SecretKeySpec(dataKey, "AES"), secret.value().getBytes(StandardCharsets.UTF_8),
                LocalSecretStore.secretAad(1, id, 1, null, null));
        await(pool.preparedQuery("UPDATE local_secret_versions SET ciphertext = $2, aad_version = 1 WHERE secret_id = $1")
                .execute(Tuple.of(id, Buffer.buffer(v1))));

        assertTrue(secret.value().equals(await(store.read(locator, a)).value()), "the owner reads its secret");
        assertThrows(SecretNotFoundException.class, () -> await(store.read(locator, owner())),
                "the owner check holds for old versions too");
    }

    @Test
    void aRotationMarksTheOldVersionSupersededAndTheSweepDeletesItOnlyAfterTheGrace() {
        LocalSecretStore store = store(Duration.ofHours(1));
        SecretOwner a = owner();
        String locator = await(store.create(a, SECRETS.fresh()));
        SecretValue second = SECRETS.fresh();
        await(store.rotate(locator, a, second));
        UUID id = UUID.fromString(locator);

        await(store.deleteSupersededVersions());
        assertEquals(2, versions(id), "within the grace the replaced version stays");

        await(pool.preparedQuery("UPDATE local_secret_versions SET superseded_at = now() - interval '61 minutes'"
                + " WHERE secret_id = $1 AND superseded_at IS NOT NULL").execute(Tuple.of(id)));
        int deleted = await(store.deleteSupersededVersions());

        assertTrue(deleted >= 1);
        assertEquals(1, versions(id), "after the grace only the current version is left");
        assertTrue(second.value().equals(await(store.read(locator, a)).value()), "the owner reads its secret");
    }

    private long versions(UUID id) {
        return await(pool.preparedQuery("SELECT count(*) FROM local_secret_versions WHERE secret_id = $1")
                .execute(Tuple.of(id))).iterator().next().getLong(0);
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
