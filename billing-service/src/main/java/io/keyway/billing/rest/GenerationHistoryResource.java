package io.keyway.billing.rest;

import io.keyway.billing.service.GenerationHistoryStore;
import io.keyway.billing.service.GenerationHistoryStore.Filter;
import io.keyway.contracts.GenerationHistory.ActivityDay;
import io.keyway.contracts.GenerationHistory.Kept;
import io.keyway.contracts.GenerationHistory.Page;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The requests billing keeps, for gateway-service's {@code /api/v1/generation}, {@code /generations} and
 * {@code /activity} (internal token, {@link TokenAuthFilter}): the gateway has authenticated the caller and names its
 * account; billing answers only from that account's rows, so another account's id is a 404 like an unknown one.
 */
@Path("/internal/v1/accounts/{accountId}")
@Produces(MediaType.APPLICATION_JSON)
public class GenerationHistoryResource {

    public static final int MAX_LIMIT = 200;
    private static final Pattern HTTP_STATUS = Pattern.compile("^[1-5][0-9][0-9]$");

    private final GenerationHistoryStore store;

    public GenerationHistoryResource(GenerationHistoryStore store) {
        this.store = store;
    }

    /** {@code {"data": Kept}}, or 404. {@code id} with or without the {@code gen-} prefix. */
    @GET
    @Path("/generations/{id}")
    public Uni<Map<String, Kept>> one(@PathParam("accountId") String accountId, @PathParam("id") String id) {
        String account = text("account_id", accountId);
        UUID uuid = generationId(id);
        return store.find(account, uuid).map(found -> found.map(k -> Map.of("data", k))
                .orElseThrow(() -> new ApiError(404, "Generation " + id + " not found", Map.of())));
    }

    @GET
    @Path("/generations")
    public Uni<Page> list(@PathParam("accountId") String accountId, @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor, @QueryParam("model") String model,
            @QueryParam("provider") String provider, @QueryParam("status") String status,
            @QueryParam("api_key_id") String apiKeyId) {
        String account = text("account_id", accountId);
        int size = limit(limit);
        Filter filter = new Filter(optional("api_key_id", apiKeyId), optional("model", model),
                optional("provider", provider), status(status));
        return store.list(account, filter, size, cursor == null || cursor.isEmpty() ? null : cursor);
    }

    @GET
    @Path("/activity")
    public Uni<Map<String, List<ActivityDay>>> activity(@PathParam("accountId") String accountId,
            @QueryParam("date") String date, @QueryParam("api_key_id") String apiKeyId) {
        String account = text("account_id", accountId);
        return store.activity(account, date(date), optional("api_key_id", apiKeyId)).map(days -> Map.of("data", days));
    }

    static UUID generationId(String id) {
        String bare = id.startsWith("gen-") ? id.substring(4) : id;
        try {
            if (bare.length() == 36) {
                return UUID.fromString(bare);
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw ApiError.badField("id", "id must be a generation id (gen-<uuid>)");
    }

    static int limit(String param) {
        if (param == null || param.isBlank()) {
            return 50;
        }
        try {
            int n = Integer.parseInt(param.trim());
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badField("limit", "limit must be an integer between 1 and " + MAX_LIMIT);
    }

    static String status(String param) {
        String s = optional("status", param);
        if (s == null || s.equals("success") || s.equals("error") || HTTP_STATUS.matcher(s).matches()) {
            return s;
        }
        throw ApiError.badField("status", "status must be success, error or an HTTP status code");
    }

    /** A date within the activity's last days (UTC), or null. */
    static LocalDate date(String param) {
        String s = optional("date", param);
        if (s == null) {
            return null;
        }
        try {
            LocalDate d = LocalDate.parse(s);
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            if (!d.isAfter(today) && d.isAfter(today.minusDays(GenerationHistoryStore.ACTIVITY_DAYS))) {
                return d;
            }
        } catch (DateTimeParseException e) {
            // answered below
        }
        throw ApiError.badField("date", "date must be a UTC date (YYYY-MM-DD) within the last "
                + GenerationHistoryStore.ACTIVITY_DAYS + " days");
    }

    private static String text(String field, String value) {
        String s = optional(field, value);
        if (s == null) {
            throw ApiError.badField(field, field + " is required");
        }
        return s;
    }

    /** Null when absent or empty; a 400 naming the field when too long or holding control characters. */
    private static String optional(String field, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.length() > 256 || value.chars().anyMatch(Character::isISOControl)) {
            throw ApiError.badField(field, field + " must be at most 256 characters without control characters");
        }
        return value;
    }
}
