package io.keyway.contracts.credentials;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Reads the JSON formats' documents and their fields, failing with the field's path. A key named twice or text after
 * the document is refused: a secret must read the same to us and to the provider's own library.
 */
final class SecretJson {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private SecretJson() {
    }

    /** The document, or a failure saying what was {@code expected}; the parser's own message may quote the secret, so it is dropped. */
    static JsonNode read(String secret, String expected) {
        JsonNode doc;
        try {
            doc = JSON.readTree(secret);
        } catch (JsonProcessingException e) {
            throw new CredentialFormatException(ProviderCredential.ROOT, "must be " + expected + " (the JSON could not be parsed)");
        }
        if (doc == null || doc.isMissingNode()) {
            throw new CredentialFormatException(ProviderCredential.ROOT, "must be " + expected);
        }
        return doc;
    }

    /** The non-blank string at {@code at.name}. */
    static String requiredText(JsonNode obj, String name, String at) {
        String value = optionalText(obj, name, at);
        if (value == null) {
            throw new CredentialFormatException(at + "." + name, "is required");
        }
        return value;
    }

    /** The non-blank string at {@code at.name}, or null when it is absent or null. */
    static String optionalText(JsonNode obj, String name, String at) {
        JsonNode v = obj.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.textValue().isBlank()) {
            throw new CredentialFormatException(at + "." + name, "must be a non-empty string");
        }
        return v.textValue();
    }

    /** An absolute https URL with a host and no user information (it would be a secret printed as a plain field). */
    static URI httpsUrl(String url, String field) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new CredentialFormatException(field, "must be a URL");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new CredentialFormatException(field, "must be an https URL");
        }
        if (uri.getRawUserInfo() != null) {
            throw new CredentialFormatException(field, "must not carry a user name or password");
        }
        return uri;
    }

    /** The string at {@code name}, or null: for documents already checked by a parse. */
    static String text(JsonNode doc, String name) {
        JsonNode v = doc.get(name);
        return v == null || !v.isTextual() ? null : v.textValue();
    }

    /** A document already checked by a parse, read again. */
    static JsonNode readChecked(String document) {
        try {
            return JSON.readTree(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the document could not be read again");
        }
    }
}
