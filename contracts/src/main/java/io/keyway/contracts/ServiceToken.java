package io.keyway.contracts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A bearer token between Keyway's parts: the operators' admin token, or one caller's token on another service's
 * {@code /internal/v1}. The three services build theirs when they start and refuse to start without them, naming the
 * setting, as key-service does for its local master key: production has no default token (only the dev, test and local
 * profiles carry public ones). Compared in constant time; {@link #toString()} never shows the value.
 */
public final class ServiceToken {

    /** Shorter values are typing slips or placeholders, not credentials (`openssl rand -hex 32` gives 64). */
    public static final int MIN_LENGTH = 16;

    private final String setting;
    private final byte[] value;

    private ServiceToken(String setting, String value) {
        this.setting = setting;
        this.value = value.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The token configured under {@code setting} (env {@code envVariable}), or an {@link IllegalStateException} naming
     * both when it is missing, blank or too short. The value itself is never part of a message.
     */
    public static ServiceToken required(String setting, String envVariable, Optional<String> value) {
        String token = value.map(String::trim).orElse("");
        if (token.isEmpty()) {
            throw new IllegalStateException(setting + " (env " + envVariable + ") is not set: production has no default"
                    + " token; set it to a random value, e.g. `openssl rand -hex 32` (the Helm chart passes it from a"
                    + " Secret). Public tokens exist only in the dev, test and local profiles.");
        }
        if (token.length() < MIN_LENGTH) {
            throw new IllegalStateException(setting + " (env " + envVariable + ") is shorter than " + MIN_LENGTH
                    + " characters; set it to a random value, e.g. `openssl rand -hex 32`");
        }
        return new ServiceToken(setting, token);
    }

    /**
     * Refuses tokens of one service that share a value: each caller's credential must tell it apart from the others
     * (one shared token would give billing the gateway's scopes, or a service the operators' admin API).
     */
    public static void requireDistinct(ServiceToken... tokens) {
        Map<String, List<String>> settingsByValue = new LinkedHashMap<>();
        for (ServiceToken t : tokens) {
            settingsByValue.computeIfAbsent(new String(t.value, StandardCharsets.UTF_8), v -> new ArrayList<>())
                    .add(t.setting);
        }
        for (List<String> settings : settingsByValue.values()) {
            if (settings.size() > 1) {
                throw new IllegalStateException(String.join(" and ", settings) + " have the same value; each caller"
                        + " needs a token of its own");
            }
        }
    }

    /** Whether an {@code Authorization} header carries this token ({@code Bearer <token>}, scheme in any case). */
    public boolean matches(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(value, authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    /** The {@code Authorization} header value that sends this token. */
    public String authorization() {
        return "Bearer " + new String(value, StandardCharsets.UTF_8);
    }

    /** The setting it was read from, e.g. {@code keyway.keys.internal-tokens.gateway}. */
    public String setting() {
        return setting;
    }

    @Override
    public String toString() {
        return setting + "=****";
    }
}
