package io.keyway.contracts.credentials;

import java.util.List;
import java.util.Objects;

/**
 * One opaque token, sent as the provider's bearer or API-key header: every adapter without a format of its own. Rule:
 * a single non-blank token of at most 16,384 characters, no whitespace or control
 * characters (a pasted line break would otherwise end up inside an HTTP header).
 */
public record TokenCredential(String token) implements ProviderCredential {

    public TokenCredential {
        Objects.requireNonNull(token, "token");
    }

    static TokenCredential parse(String secret) {
        return new TokenCredential(checkToken(secret, ProviderCredential.ROOT));
    }

    /** {@code value} if it is one token, else a failure naming {@code field}. */
    static String checkToken(String value, String field) {
        if (value.isBlank()) {
            throw new CredentialFormatException(field, "must not be empty");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new CredentialFormatException(field, "must be a single token without whitespace");
            }
        }
        return value;
    }

    @Override
    public List<String> secretParts() {
        return List.of(token);
    }

    @Override
    public String toString() {
        return "TokenCredential[token=****]";
    }
}
