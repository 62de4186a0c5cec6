package io.keyway.keys.secrets;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.CreateSecretRequest;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;
import software.amazon.awssdk.services.secretsmanager.model.Tag;

/**
 * The {@code aws} store: AWS Secrets Manager through the Quarkiverse client (default credential chain, so IRSA works;
 * {@code quarkus.secretsmanager.*} configures region, endpoint and credentials). One secret per key, named
 * {@code <name-prefix><account>/<provider>/<uuid>} and tagged with account, provider and record id; rotation is
 * PutSecretValue (a new version under the same name); delete is DeleteSecret without a recovery window.
 * The SDK client blocks, so every call runs on a worker thread.
 */
@ApplicationScoped
public class AwsSecretStore implements SecretStore {

    static final String NAME = "aws";
    static final String TAG_ACCOUNT = "keyway:account";
    static final String TAG_PROVIDER = "keyway:provider";
    static final String TAG_RECORD = "keyway:record";

    private final Supplier<SecretsManagerClient> client;
    private final SecretStoresConfig.Aws config;

    /** The client bean is only looked up once the store is used, so a deployment without AWS never builds one. */
    @Inject
    AwsSecretStore(Instance<SecretsManagerClient> client, SecretStoresConfig config) {
        this(client::get, config.aws());
    }

    AwsSecretStore(Supplier<SecretsManagerClient> client, SecretStoresConfig.Aws config) {
        this.client = client;
        this.config = config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean enabled() {
        return config.enabled();
    }

    @Override
    public Uni<String> create(SecretOwner owner, SecretValue value) {
        String name = config.namePrefix() + segment(owner == null ? null : owner.accountId()) + "/"
                + segment(owner == null ? null : owner.provider()) + "/" + UUID.randomUUID();
        return blocking(name, () -> {
            CreateSecretRequest.Builder request = CreateSecretRequest.builder()
                    .name(name)
                    .clientRequestToken(UUID.randomUUID().toString())
                    .secretString(value.value())
                    .tags(tags(owner));
            config.kmsKeyId().ifPresent(request::kmsKeyId);
            return client.get().createSecret(request.build()).name();
        });
    }

    @Override
    public Uni<Void> rotate(String locator, SecretOwner owner, SecretValue value) {
        return blocking(locator, () -> client.get().putSecretValue(b -> b
                .secretId(locator)
                .clientRequestToken(UUID.randomUUID().toString())
                .secretString(value.value()))).replaceWithVoid();
    }

    @Override
    public Uni<SecretValue> read(String locator) {
        return blocking(locator, () -> {
            String secret = client.get().getSecretValue(b -> b.secretId(locator)).secretString();
            if (secret == null) {
                throw new SecretNotFoundException(NAME, locator);
            }
            return new SecretValue(secret);
        });
    }

    @Override
    public Uni<Void> delete(String locator) {
        return blocking(locator, () -> client.get().deleteSecret(b -> b
                        .secretId(locator)
                        .forceDeleteWithoutRecovery(true)))
                .replaceWithVoid()
                .onFailure(SecretNotFoundException.class).recoverWithNull();
    }

    private <T> Uni<T> blocking(String locator, Supplier<T> call) {
        return Uni.createFrom().item(() -> {
                    try {
                        return call.get();
                    } catch (ResourceNotFoundException e) {
                        throw new SecretNotFoundException(NAME, locator);
                    } catch (SecretsManagerException e) {
                        throw unavailable(e);
                    } catch (SdkClientException e) {
                        throw new SecretStoreUnavailableException(NAME, "AWS Secrets Manager could not be reached");
                    } catch (SdkException e) {
                        throw new SecretStoreUnavailableException(NAME, "AWS SDK error " + e.getClass().getSimpleName());
                    }
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static SecretStoreUnavailableException unavailable(SecretsManagerException e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        if (e.statusCode() == 403 || "AccessDeniedException".equals(code)) {
            return new SecretStoreUnavailableException(NAME, "permission denied (" + code + ")");
        }
        // The error code and status only: AWS messages never carry the value, but we keep the reason minimal anyway.
        return new SecretStoreUnavailableException(NAME, "AWS answered " + code + " (HTTP " + e.statusCode() + ")");
    }

    private static List<Tag> tags(SecretOwner owner) {
        List<Tag> tags = new ArrayList<>();
        if (owner != null) {
            addTag(tags, TAG_ACCOUNT, owner.accountId());
            addTag(tags, TAG_PROVIDER, owner.provider());
            addTag(tags, TAG_RECORD, owner.recordId());
        }
        return tags;
    }

    private static void addTag(List<Tag> tags, String key, String value) {
        if (value != null && !value.isBlank()) {
            tags.add(Tag.builder().key(key).value(value.replaceAll("[^\\p{L}\\p{N} _.:/=+@-]", "-")).build());
        }
    }

    /** A name segment AWS accepts (letters, digits, {@code /_+=.@-}), never empty. */
    private static String segment(String raw) {
        if (raw == null || raw.isBlank()) {
            return "none";
        }
        return raw.replaceAll("[^A-Za-z0-9_+=.@-]", "-");
    }
}
