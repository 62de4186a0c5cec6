package io.keyway.keys.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keyway.keys.secrets.SecretStoreUnavailableException;
import io.keyway.keys.service.ApiException;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Failures leave as the error envelope; an unavailable secret store is a 503 that names the store. */
class ErrorMappersTests {

    final ErrorMappers mappers = new ErrorMappers();

    @SuppressWarnings("unchecked")
    static Map<String, Object> error(Response r) {
        return (Map<String, Object>) ((Map<String, Object>) r.getEntity()).get("error");
    }

    @Test
    void unavailableSecretStoreIs503NamingTheStore() {
        Response r = mappers.storeUnavailable(new SecretStoreUnavailableException("vault", "sealed"));
        assertEquals(503, r.getStatus());
        assertEquals(503, error(r).get("code"));
        assertEquals("secret store 'vault' is unavailable: sealed", error(r).get("message"));
        assertEquals(Map.of("secret_store", "vault"), error(r).get("metadata"));
    }

    @Test
    void wrappedFailuresAreUnwrappedToTheirOwnStatus() {
        Response r = mappers.unexpected(new RuntimeException(new SecretStoreUnavailableException("aws", "timeout")));
        assertEquals(503, r.getStatus());
        Response api = mappers.unexpected(new IllegalStateException(new ApiException(409, "stale")));
        assertEquals(409, api.getStatus());
        Response other = mappers.unexpected(new IllegalStateException("boom with details"));
        assertEquals(500, other.getStatus());
        assertEquals("internal error", error(other).get("message"));
    }
}
