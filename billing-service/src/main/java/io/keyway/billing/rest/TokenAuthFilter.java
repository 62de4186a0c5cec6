package io.keyway.billing.rest;

import io.keyway.billing.config.BillingTokens;
import io.keyway.contracts.ServiceToken;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every {@code /admin/v1} call carries {@code Authorization: Bearer <admin token>}; every {@code /internal/v1} call
 * (the chart's Ingress does not route it) carries the gateway's token: the gateway is its only caller.
 */
public class TokenAuthFilter {

    private final ServiceToken admin;
    private final ServiceToken internal;

    public TokenAuthFilter(BillingTokens tokens) {
        this.admin = tokens.admin();
        this.internal = tokens.gateway();
    }

    @ServerRequestFilter
    public Response checkToken(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        ServiceToken expected;
        String token;
        if (path.startsWith("/internal/")) {
            expected = internal;
            token = "gateway's internal token";
        } else if (path.startsWith("/admin/")) {
            expected = admin;
            token = "admin token";
        } else {
            return null;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (!expected.matches(header)) {
            return ApiError.response(401, token + " required (Authorization: Bearer <" + token + ">)", Map.of());
        }
        return null;
    }
}
