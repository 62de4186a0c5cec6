package io.keyway.gateway.it;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Bedrock credentials the e2e run's {@code BedrockStandIn} knows: per behaviour (the stand-in's prefix before the
 * first '-'), one pair of access keys and one Bedrock API key, made up for this run.
 */
public final class BedrockKeys {

    public static final List<String> BEHAVIOURS = List.of("ok", "tooluse", "throttle", "denied", "invalid",
            "unavailable", "notready", "internal", "midstream", "reset");
    static final Map<String, String> SECRETS = new HashMap<>();
    static final Set<String> API_KEYS = new HashSet<>();

    static {
        for (String b : BEHAVIOURS) {
            SECRETS.put(accessKeyId(b), secretAccessKey(b));
            API_KEYS.add(apiKey(b));
        }
    }

    private BedrockKeys() {
    }

    public static String accessKeyId(String behaviour) {
        return behaviour + "-test-access-key-id-" + KeywayServices.RUN;
    }

    public static String secretAccessKey(String behaviour) {
        return "test-secret-access-key-" + behaviour + "-" + KeywayServices.RUN;
    }

    public static String apiKey(String behaviour) {
        return behaviour + "-test-bedrock-api-key-" + KeywayServices.RUN;
    }

    /** The JSON secret of a SigV4 key for {@code POST /api/v1/byok}. */
    public static String accessKeysJson(String behaviour, String region) {
        return "{\"accessKeyId\":\"" + accessKeyId(behaviour) + "\",\"secretAccessKey\":\"" + secretAccessKey(behaviour)
                + "\",\"region\":\"" + region + "\"}";
    }
}
