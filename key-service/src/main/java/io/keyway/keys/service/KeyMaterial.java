package io.keyway.keys.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Generation, hashing and masking of Keyway's own keys (API and management keys). */
public final class KeyMaterial {

    public static final String API_KEY_PREFIX = "sk-kw-v1-";
    public static final String MANAGEMENT_KEY_PREFIX = "sk-kw-mgmt-v1-";
    public static final Pattern HASH = Pattern.compile("^[0-9a-f]{64}$");

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private KeyMaterial() {
    }

    public static String newApiKey() {
        return API_KEY_PREFIX + randomHex();
    }

    public static String newManagementKey() {
        return MANAGEMENT_KEY_PREFIX + randomHex();
    }

    private static String randomHex() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HEX.formatHex(bytes);
    }

    /** Lowercase hex SHA-256 of the full key string: the only form in which Keyway keys are stored. */
    public static String sha256Hex(String value) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    public static String sha256Hex(byte[] value) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(value));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** "sk-kw-v1-3fa...b2c": the prefix, three characters from each end of the random part. */
    public static String label(String key) {
        String prefix = key.startsWith(MANAGEMENT_KEY_PREFIX) ? MANAGEMENT_KEY_PREFIX : API_KEY_PREFIX;
        String random = key.substring(prefix.length());
        return prefix + random.substring(0, 3) + "..." + random.substring(random.length() - 3);
    }

    public static boolean isHash(String s) {
        return s != null && HASH.matcher(s).matches();
    }
}
