package io.keyway.keys.secrets;

import static io.keyway.keys.secrets.TestSecrets.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The {@code aws} store with the production credential setting ({@code credentials.type=default}) and a web identity
 * the way EKS IRSA provides one: a projected token file, a role ARN and a session name, read by the AWS SDK's default
 * chain from {@code aws.webIdentityTokenFile}, {@code aws.roleArn} and {@code aws.roleSessionName} (the system-property
 * forms of {@code AWS_WEB_IDENTITY_TOKEN_FILE}, {@code AWS_ROLE_ARN}, {@code AWS_ROLE_SESSION_NAME}). STS
 * {@code AssumeRoleWithWebIdentity} is answered by moto's server on 127.0.0.1:4566, reached through the SDK's
 * service-specific endpoint setting {@code aws.endpointUrlSts} ({@code AWS_ENDPOINT_URL_STS}).
 */
@QuarkusTest
@QuarkusTestResource(VaultStandInResource.class)
@TestProfile(AwsWebIdentityTests.WebIdentity.class)
class AwsWebIdentityTests {

    static final String MOTO = "http://127.0.0.1:4566";
    static final String ROLE_ARN = "arn:aws:iam::123456789012:role/keyway-key-service";
    static final String SESSION = "keyway-irsa-test-" + UUID.randomUUID();
    /** Stands for the projected ServiceAccount token; moto does not verify its signature. */
    static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.irsa-test-token-" + UUID.randomUUID() + ".c2ln";

    private static final TestSecrets SECRETS = new TestSecrets();

    public static class WebIdentity implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // The production setting: the SDK's default credential chain, not the %test static keys.
            return Map.of("quarkus.secretsmanager.aws.credentials.type", "default");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(WebIdentityEnvironment.class));
        }
    }

    /**
     * Sets the web-identity system properties before the application (and with it the Secrets Manager client and its
     * credential chain) starts, and puts the previous values back when this profile's application stops.
     */
    public static class WebIdentityEnvironment implements QuarkusTestResourceLifecycleManager {

        private final Map<String, String> previous = new HashMap<>();
        private Path tokenFile;

        @Override
        public Map<String, String> start() {
            try {
                tokenFile = Files.createTempFile("keyway-irsa-token", ".jwt");
                Files.writeString(tokenFile, TOKEN);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            set("aws.webIdentityTokenFile", tokenFile.toString());
            set("aws.roleArn", ROLE_ARN);
            set("aws.roleSessionName", SESSION);
            set("aws.endpointUrlSts", MOTO);
            set("aws.region", "us-east-1");
            return Map.of();
        }

        private void set(String name, String value) {
            previous.put(name, System.getProperty(name));
            System.setProperty(name, value);
        }

        @Override
        public void stop() {
            previous.forEach((name, value) -> {
                if (value == null) {
                    System.clearProperty(name);
                } else {
                    System.setProperty(name, value);
                }
            });
            try {
                if (tokenFile != null) {
                    Files.deleteIfExists(tokenFile);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

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
        CapturedLogs.assertNoneContain(List.of(TOKEN));
    }

    @Test
    void awsStoreAuthenticatesWithWebIdentityTokenLikeIrsa() {
        SecretOwner owner = new SecretOwner(UUID.randomUUID().toString(), "amazon-bedrock", UUID.randomUUID().toString());
        SecretValue secret = SECRETS.fresh();

        String locator = await(stores.create("aws", owner, secret));
        stores.clearCaches();
        assertEquals(secret.value(), await(stores.read("aws", locator)).value());

        // The credentials the store's client signed with are session credentials from AssumeRoleWithWebIdentity, and
        // moto's STS knows them as the assumed role with our session name.
        AwsCredentialsIdentity used = secretsManager.serviceClientConfiguration().credentialsProvider()
                .resolveIdentity().join();
        assertTrue(used instanceof AwsSessionCredentialsIdentity, used.getClass().getName());
        assertNotEquals("test", used.accessKeyId());
        try (StsClient sts = StsClient.builder()
                .endpointOverride(URI.create(MOTO))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsSessionCredentials.create(used.accessKeyId(),
                                used.secretAccessKey(), ((AwsSessionCredentialsIdentity) used).sessionToken())))
                .httpClient(UrlConnectionHttpClient.create())
                .build()) {
            assertEquals("arn:aws:sts::123456789012:assumed-role/keyway-key-service/" + SESSION,
                    sts.getCallerIdentity().arn());
        }
        await(stores.delete("aws", locator));
    }
}
