package io.keyway.gateway.rest;

import io.keyway.gateway.service.GatewayError;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every failure of the JAX-RS resources in OpenRouter's error envelope: GatewayError as it is, and what the framework
 * refuses itself (no such route 404, method 405, Accept 406, Content-Type 415) named in words, so that no client gets an
 * empty or HTML error.
 */
public class GatewayErrorMapper {

    private static final Logger LOG = Logger.getLogger(GatewayErrorMapper.class);

    @ServerExceptionMapper
    public Response map(GatewayError e) {
        return ApiError.response(e.status(), e.getMessage(), e.metadata());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String message = switch (status) {
            case 404 -> "Not found: no such route";
            case 405 -> "Method not allowed on this route";
            case 406 -> "Not acceptable: this route answers application/json";
            case 415 -> "Unsupported media type: send application/json";
            default -> status >= 500 ? "Internal error" : "Bad request";
        };
        return ApiError.response(status, message, null);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.errorf("Unexpected failure in a gateway resource: %s", e.getClass().getSimpleName());
        return ApiError.response(500, "Internal error", null);
    }
}
