package io.keyway.keys.rest;

import io.keyway.keys.config.KeyServiceConfig;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Refuses a declared oversized body before it is read (413 JSON); bodies without a length are checked after reading. */
public class BodySizeFilter {

    private final KeyServiceConfig config;

    public BodySizeFilter(KeyServiceConfig config) {
        this.config = config;
    }

    @ServerRequestFilter(preMatching = true)
    public Response checkDeclaredLength(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return null;
        }
        try {
            if (Long.parseLong(length.trim()) > config.maxBodyBytes()) {
                return ErrorMappers.error(413, "request body is larger than " + config.maxBodyBytes() + " bytes",
                        Map.of("max_body_bytes", config.maxBodyBytes()));
            }
        } catch (NumberFormatException e) {
            return ErrorMappers.error(400, "invalid Content-Length header", Map.of());
        }
        return null;
    }
}
