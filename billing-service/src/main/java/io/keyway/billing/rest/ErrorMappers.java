package io.keyway.billing.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.keyway.billing.service.BillingProblem;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every failure leaves as the one JSON error shape. */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response apiError(ApiError e) {
        return e.toResponse();
    }

    @ServerExceptionMapper
    public Response problem(BillingProblem e) {
        return ApiError.response(e.status(), e.getMessage(), e.metadata());
    }

    @ServerExceptionMapper
    public Response badJson(JsonProcessingException e) {
        return ApiError.response(400, "request body is not valid JSON", Map.of());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String message = switch (status) {
            case 400 -> "request body is not valid JSON or has a field of the wrong type";
            case 404 -> "not found";
            case 405 -> "method not allowed";
            case 406, 415 -> "unsupported media type";
            default -> "request failed";
        };
        return ApiError.response(status, message, Map.of());
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("unexpected error", e);
        return ApiError.response(500, "internal error", Map.of());
    }
}
