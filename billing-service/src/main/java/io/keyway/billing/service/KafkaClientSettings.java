package io.keyway.billing.service;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The service's {@code kafka.*} settings (Quarkus' "default-kafka-broker" map), as one Kafka client takes them. */
final class KafkaClientSettings {

    private KafkaClientSettings() {
    }

    /** The entries whose names the client knows (e.g. bootstrap servers, SASL and TLS settings); a new, mutable map. */
    static Map<String, Object> only(Map<String, Object> kafka, Set<String> clientConfigNames) {
        Map<String, Object> props = new HashMap<>();
        kafka.forEach((name, value) -> {
            if (clientConfigNames.contains(name)) {
                props.put(name, value);
            }
        });
        return props;
    }
}
