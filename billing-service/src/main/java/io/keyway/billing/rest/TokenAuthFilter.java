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
public class TokenAuthFilter {

    private final byte[] admin;
    private final byte[] internal;

    public TokenAuthFilter(BillingConfig config) {
        this.admin = ("Bearer " + config.adminToken()).getBytes(StandardCharsets.UTF_8);
        this.internal = ("Bearer " + config.internalToken()).getBytes(StandardCharsets.UTF_8);
    }

    @ServerRequestFilter
    public Response checkToken(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        byte[] expected;
        String token;
        if (path.startsWith("/internal/")) {
            expected = internal;
            token = "internal token";
        } else if (path.startsWith("/admin/")) {
            expected = admin;
            token = "admin token";
        } else {
            return null;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8))) {
            return ApiError.response(401, token + " required (Authorization: Bearer <" + token + ">)", Map.of());
        }
        return null;
    }
}
