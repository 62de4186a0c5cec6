package io.keyway.gateway.rest;

import io.keyway.gateway.service.GatewayError;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** GatewayError → OpenRouter's error envelope, for the JAX-RS resources. */
public class GatewayErrorMapper {

    @ServerExceptionMapper
    public Response map(GatewayError e) {
        return ApiError.response(e.status(), e.getMessage(), e.metadata());
    }
}
