package io.keyway.keys.secrets;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The master keys of the {@code local} store, by id, and the AES-256-GCM operations of its envelope encryption.
 * A sealed box is {@code 12-byte nonce || ciphertext || 16-byte tag}; the associated data binds each box to the
 * secret, version and (for wrapped data keys) master key id it belongs to, so rows cannot be swapped.
 */
final class LocalMasterKeys {

    static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, SecretKey> keys;
    private final String activeId;

    /**
     * The master keys of an enabled {@code local} store, checked at start: key-service refuses to start when the store
     * is on and no master key, or no active one, is configured. Production has none by default: the public
     * {@code dev-insecure} key exists only in the {@code dev}, {@code test} and {@code local} profiles.
     */
    static LocalMasterKeys configured(Map<String, String> base64ById, Optional<String> activeId) {
        if (base64ById.isEmpty()) {
            throw new IllegalStateException("The local secret store is enabled (keyway.keys.secrets.local.enabled) but"
                    + " no master key is configured: set keyway.keys.secrets.local.master-keys.<id> to a base64-encoded"
                    + " 32-byte key (e.g. `openssl rand -base64 32`) and keyway.keys.secrets.local.active-master-key"
                    + " (env KEYWAY_LOCAL_MASTER_KEY_ID) to its id, or set keyway.keys.secrets.local.enabled=false."
                    + " The public development key 'dev-insecure' exists only in the dev, test and local profiles.");
        }
        if (activeId.isEmpty() || activeId.get().isBlank()) {
            throw new IllegalStateException("The local secret store is enabled (keyway.keys.secrets.local.enabled) but"
                    + " keyway.keys.secrets.local.active-master-key (env KEYWAY_LOCAL_MASTER_KEY_ID) is not set; the"
                    + " configured master keys are " + new TreeMap<>(base64ById).keySet());
        }
        return new LocalMasterKeys(base64ById, activeId.get());
    }

    /** No master keys: the {@code local} store is disabled, so nothing is ever encrypted or decrypted with one. */
    static LocalMasterKeys none() {
        return new LocalMasterKeys();
    }

    private LocalMasterKeys() {
        this.keys = Map.of();
        this.activeId = null;
    }

    LocalMasterKeys(Map<String, String> base64ById, String activeId) {
        Map<String, SecretKey> parsed = new TreeMap<>();
        base64ById.forEach((id, base64) -> parsed.put(id, parse(id, base64)));
        if (!parsed.containsKey(activeId)) {
            throw new IllegalStateException("keyway.keys.secrets.local.active-master-key names '" + activeId
                    + "', which is not among keyway.keys.secrets.local.master-keys " + parsed.keySet());
        }
        this.keys = parsed;
        this.activeId = activeId;
    }

    private static SecretKey parse(String id, String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            // The value itself is never part of the message.
            throw new IllegalStateException("master key '" + id + "' is not valid base64");
        }
        if (raw.length != KEY_BYTES) {
            throw new IllegalStateException("master key '" + id + "' must be " + KEY_BYTES + " bytes, not "
                    + raw.length);
        }
        return new SecretKeySpec(raw, "AES");
    }

    String activeId() {
        return activeId;
    }

    java.util.Set<String> ids() {
        return keys.keySet();
    }

    static byte[] newDataKey() {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        return key;
    }

    byte[] wrap(String masterKeyId, byte[] dataKey, String aad) {
        return seal(master(masterKeyId), dataKey, aad);
    }

    byte[] unwrap(String masterKeyId, byte[] wrapped, String aad) {
        return open(master(masterKeyId), wrapped, aad);
    }

    private SecretKey master(String id) {
        SecretKey key = keys.get(id);
        if (key == null) {
            throw new SecretUnreadableException("local", "master key '" + id + "' is not configured");
        }
        return key;
    }

    static byte[] seal(SecretKey key, byte[] plaintext, String aad) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + sealed.length);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed: " + e.getClass().getSimpleName());
        }
    }

    static byte[] open(SecretKey key, byte[] box, String aad) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, box, 0, NONCE_BYTES));
            cipher.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(box, NONCE_BYTES, box.length - NONCE_BYTES);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new SecretUnreadableException("local",
                    "a stored secret failed its integrity check (wrong master key or altered row)");
        }
    }
}
