package io.keyway.keys.rest;

import io.keyway.keys.secrets.SecretNotFoundException;
import io.keyway.keys.secrets.SecretStoreUnavailableException;
import io.keyway.keys.service.ApiException;
import jakarta.persistence.OptimisticLockException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hibernate.StaleStateException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every failure leaves as {@code {"error":{"code":..,"message":..,"metadata":{..}}}}; messages never carry secrets. */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    public static Response error(int status, String message, Map<String, Object> metadata) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", status);
        error.put("message", message);
        error.put("metadata", metadata == null ? Map.of() : metadata);
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", error)).build();
    }

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return error(e.status(), e.getMessage(), e.metadata());
    }

    @ServerExceptionMapper
    public Response storeUnavailable(SecretStoreUnavailableException e) {
        return error(503, e.getMessage(), Map.of("secret_store", e.store()));
    }

    @ServerExceptionMapper
    public Response secretMissing(SecretNotFoundException e) {
        LOG.warnf("secret missing: %s", e.getMessage());
        return error(500, "the secret of this key is missing from its store", Map.of());
    }

    @ServerExceptionMapper({OptimisticLockException.class, StaleStateException.class})
    public Response stale(Exception e) {
        return error(409, "the record was changed concurrently; read it again and retry with its current version", Map.of());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String message = switch (status) {
            case 404 -> "not found";
            case 405 -> "method not allowed";
            case 406 -> "not acceptable";
            case 413 -> "request body too large";
            case 415 -> "unsupported media type: send application/json";
            default -> status >= 500 ? "internal error" : "bad request";
        };
        return error(status, message, Map.of());
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        // Only the type goes to the log: a driver's message may quote bound values.
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof OptimisticLockException || root instanceof StaleStateException) {
            return stale((Exception) root);
        }
        if (root instanceof ApiException a) {
            return api(a);
        }
        if (root instanceof SecretStoreUnavailableException s) {
            return storeUnavailable(s);
        }
        LOG.errorf("unexpected %s (cause %s)", e.getClass().getName(), root.getClass().getName());
        return error(500, "internal error", Map.of());
    }
}
