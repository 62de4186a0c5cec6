package io.keyway.keys.secrets;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Puts a {@link CuttableRelay} between the {@code aws} store and moto (the shared one on 127.0.0.1:4566), so that a
 * test can take AWS Secrets Manager away and bring it back with its data.
 */
public class AwsRelayResource implements QuarkusTestResourceLifecycleManager {

    static CuttableRelay relay;

    @Override
    public Map<String, String> start() {
        URI moto = URI.create(ConfigProvider.getConfig()
                .getOptionalValue("quarkus.secretsmanager.endpoint-override", String.class)
                .orElse("http://127.0.0.1:4566"));
        try {
            relay = new CuttableRelay(moto.getHost(), moto.getPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("quarkus.secretsmanager.endpoint-override", "http://127.0.0.1:" + relay.port(),
                "keyway.keys.secrets.aws.enabled", "true");
    }

    @Override
    public void stop() {
        if (relay != null) {
            relay.close();
            relay = null;
        }
    }
}
