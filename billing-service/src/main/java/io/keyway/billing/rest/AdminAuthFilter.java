package io.keyway.billing.rest;

import io.keyway.billing.config.BillingConfig;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every {@code /admin/v1} call carries {@code Authorization: Bearer <admin token>}; every {@code /internal/v1} call
 * (other Keyway services; the chart's Ingress does not route it) carries the internal token.
 */
public class AdminAuthFilter {

    private final byte[] expected;
    private final byte[] internal;

    public AdminAuthFilter(BillingConfig config) {
        this.expected = ("Bearer " + config.adminToken()).getBytes(StandardCharsets.UTF_8);
        this.internal = ("Bearer " + config.internalToken()).getBytes(StandardCharsets.UTF_8);
    }

    @ServerRequestFilter
    public Response checkAdminToken(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (path.startsWith("/internal/")) {
            if (header == null || !MessageDigest.isEqual(internal, header.getBytes(StandardCharsets.UTF_8))) {
                return ApiError.response(401, "internal token required (Authorization: Bearer <internal token>)",
                        Map.of());
            }
            return null;
        }
        if (!path.startsWith("/admin/")) {
            return null;
        }
        if (header == null || !MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8))) {
            return ApiError.response(401, "admin token required (Authorization: Bearer <admin token>)", Map.of());
        }
        return null;
    }
}
