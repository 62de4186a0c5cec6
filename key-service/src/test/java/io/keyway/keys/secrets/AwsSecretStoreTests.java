package io.keyway.keys.secrets;

import static io.keyway.keys.secrets.TestSecrets.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.Tag;

/** The {@code aws} store against moto's Secrets Manager server on 127.0.0.1:4566 (a real AWS emulator). */
@QuarkusTest
@QuarkusTestResource(VaultStandInResource.class)
class AwsSecretStoreTests {

    private static final TestSecrets SECRETS = new TestSecrets();
    private static final SecretOwner OWNER =
            new SecretOwner(UUID.randomUUID().toString(), "amazon-bedrock", UUID.randomUUID().toString());

    @Inject
    SecretStores stores;

    @Inject
    SecretsManagerClient secretsManager;

    @BeforeAll
    static void captureLogs() {
        CapturedLogs.install();
    }

    @AfterAll
    static void noSecretReachedTheLogs() {
        CapturedLogs.assertNoneContain(SECRETS.issued());
    }

    @Test
    void createStoresTheSecretNamedAndTaggedByAccountProviderAndRecord() {
        SecretValue secret = SECRETS.fresh();

        String locator = await(stores.create("aws", OWNER, secret));

        assertTrue(locator.startsWith("keyway/" + OWNER.accountId() + "/amazon-bedrock/"), locator);
        assertEquals(secret.value(), secretsManager.getSecretValue(b -> b.secretId(locator)).secretString());
        Map<String, String> tags = describe(locator).tags().stream()
                .collect(Collectors.toMap(Tag::key, Tag::value));
        assertEquals(OWNER.accountId(), tags.get("keyway:account"));
        assertEquals("amazon-bedrock", tags.get("keyway:provider"));
        assertEquals(OWNER.recordId(), tags.get("keyway:record"));
    }

    @Test
    void readReturnsTheStoredSecret() {
        SecretValue secret = SECRETS.fresh();
        String locator = await(stores.create("aws", OWNER, secret));
        stores.clearCaches();

        assertEquals(secret.value(), await(stores.read("aws", locator)).value());
    }

    @Test
    void rotationPutsANewVersionUnderTheSameName() {
        String locator = await(stores.create("aws", OWNER, SECRETS.fresh()));
        SecretValue rotated = SECRETS.fresh();

        await(stores.rotate("aws", locator, OWNER, rotated));
        stores.clearCaches();

        assertEquals(rotated.value(), await(stores.read("aws", locator)).value());
        assertEquals(2, secretsManager.listSecretVersionIds(b -> b.secretId(locator).includeDeprecated(true))
                .versions().size());
    }

    @Test
    void rotatingASecretThatDoesNotExistFailsAsNotFound() {
        assertThrows(SecretNotFoundException.class, () -> await(stores.rotate("aws",
                "keyway/" + OWNER.accountId() + "/openai/" + UUID.randomUUID(), OWNER, SECRETS.fresh())));
    }

    @Test
    void deleteRemovesTheSecretWithoutARecoveryWindow() {
        String locator = await(stores.create("aws", OWNER, SECRETS.fresh()));

        await(stores.delete("aws", locator));

        assertThrows(ResourceNotFoundException.class, () -> describe(locator));
        assertThrows(SecretNotFoundException.class, () -> await(stores.read("aws", locator)));
        await(stores.delete("aws", locator));
    }

    @Test
    void aConfiguredKmsKeyEncryptsNewSecrets() {
        AwsSecretStore withKms = new AwsSecretStore(() -> secretsManager, aws(Optional.of("alias/keyway-test")));

        String locator = await(withKms.create(OWNER, SECRETS.fresh()));

        assertEquals("alias/keyway-test", describe(locator).kmsKeyId());
        await(withKms.delete(locator));
    }

    @Test
    void anUnreachableSecretsManagerIsUnavailableNamingTheStore() {
        try (SecretsManagerClient dead = SecretsManagerClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:1"))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build()) {
            AwsSecretStore unreachable = new AwsSecretStore(() -> dead, aws(Optional.empty()));

            SecretStoreUnavailableException e = assertThrows(SecretStoreUnavailableException.class,
                    () -> await(unreachable.read("keyway/x/openai/" + UUID.randomUUID())));

            assertEquals("aws", e.store());
            assertTrue(e.getMessage().contains("could not be reached"), e.getMessage());
        }
    }

    private DescribeSecretResponse describe(String locator) {
        return secretsManager.describeSecret(b -> b.secretId(locator));
    }

    private static SecretStoresConfig.Aws aws(Optional<String> kmsKeyId) {
        return new SecretStoresConfig.Aws() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public Optional<String> kmsKeyId() {
                return kmsKeyId;
            }

            @Override
            public String namePrefix() {
                return "keyway/";
            }
        };
    }
}
