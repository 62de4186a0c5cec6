package io.keyway.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.mapping.CatalogJson;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.service.EndpointMeasurements;
import io.keyway.gateway.service.catalog.ModelCatalog;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * The model catalog in OpenRouter's shapes. Public, like OpenRouter's: no key needed to list models. The list pages
 * with OpenRouter's {@code offset} and {@code limit} (all models when no limit is given) and answers
 * {@code total_count} and {@code links.next}; its other filters are accepted and ignored (README, compatibility).
 */
@Path("/api/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

    private final ModelCatalog catalog;
    private final ObjectMapper json;
    private final EndpointMeasurements measurements;

    public ModelsResource(ModelCatalog catalog, ObjectMapper json, EndpointMeasurements measurements) {
        this.catalog = catalog;
        this.json = json;
        this.measurements = measurements;
    }

    @GET
    public Response list(@QueryParam("offset") String offsetParam, @QueryParam("limit") String limitParam) {
        Integer offset;
        Integer limit;
        try {
            offset = wholeNumber("offset", offsetParam);
            limit = wholeNumber("limit", limitParam);
        } catch (IllegalArgumentException e) {
            return ApiError.response(400, e.getMessage(), null);
        }
        if (offset != null && offset < 0) {
            return ApiError.response(400, "offset must be 0 or more, got " + offset, null);
        }
        if (limit != null && limit < 1) {
            return ApiError.response(400, "limit must be 1 or more, got " + limit, null);
        }
        List<CatalogModel> all = catalog.models();
        int from = Math.min(offset == null ? 0 : offset, all.size());
        int to = limit == null ? all.size() : (int) Math.min((long) from + limit, all.size());
        ObjectNode body = json.createObjectNode();
        ArrayNode data = body.putArray("data");
        all.subList(from, to).forEach(m -> data.add(CatalogJson.model(json, m)));
        body.put("total_count", all.size());
        ObjectNode links = body.putObject("links");
        if (to < all.size()) {
            links.put("next", "/api/v1/models?offset=" + to + "&limit=" + (to - from));
        } else {
            links.putNull("next");
        }
        return Response.ok(body).build();
    }

    /**
     * A query parameter read as a whole number (null when absent); one past the int range is clamped to it, since
     * offsets and limits beyond the catalog mean "to the end" anyway. Anything else names the parameter, never its value.
     */
    static Integer wholeNumber(String name, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (!value.matches("-?[0-9]{1,18}")) {
            throw new IllegalArgumentException(name + " must be a whole number");
        }
        long n = Long.parseLong(value);
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, n));
    }

    /** OpenRouter's {@code GET /models/count}: how many models the catalog lists. */
    @GET
    @Path("/count")
    public ObjectNode count() {
        ObjectNode body = json.createObjectNode();
        body.putObject("data").put("count", catalog.models().size());
        return body;
    }

    @GET
    @Path("/{author}/{slug}/endpoints")
    public Response endpoints(@PathParam("author") String author, @PathParam("slug") String slug) {
        String id = author + "/" + slug;
        return catalog.model(id)
                .map(m -> Response.ok(CatalogJson.endpoints(json, catalog, m, measurements)).build())
                .orElseGet(() -> ApiError.response(404, "Model " + id + " is not in the catalog", null));
    }
}
