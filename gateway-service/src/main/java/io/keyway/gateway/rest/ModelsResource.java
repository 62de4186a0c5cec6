package io.keyway.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.mapping.CatalogJson;
import io.keyway.gateway.service.catalog.ModelCatalog;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The model catalog in OpenRouter's shapes. Public, like OpenRouter's: no key needed to list models. */
@Path("/api/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

    private final ModelCatalog catalog;
    private final ObjectMapper json;

    public ModelsResource(ModelCatalog catalog, ObjectMapper json) {
        this.catalog = catalog;
        this.json = json;
    }

    @GET
    public ObjectNode list() {
        ObjectNode body = json.createObjectNode();
        ArrayNode data = body.putArray("data");
        catalog.models().forEach(m -> data.add(CatalogJson.model(json, m)));
        return body;
    }

    @GET
    @Path("/{author}/{slug}/endpoints")
    public Response endpoints(@PathParam("author") String author, @PathParam("slug") String slug) {
        String id = author + "/" + slug;
        return catalog.model(id)
                .map(m -> Response.ok(CatalogJson.endpoints(json, catalog, m)).build())
                .orElseGet(() -> ApiError.response(404, "Model " + id + " is not in the catalog", null));
    }
}
