package io.keyway.gateway.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.service.ApiKeyResolver.Caller;
import io.keyway.gateway.service.CompletionExecutor.Success;
import io.keyway.gateway.service.catalog.ModelCatalog;
import io.keyway.gateway.service.limits.Admission;
import io.keyway.gateway.service.limits.RequestLimits;
import io.keyway.gateway.service.routing.Router;
import io.keyway.gateway.service.routing.RoutingPlan;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import jakarta.inject.Singleton;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.jboss.logging.Logger;

/**
 * One chat completion request, from its bytes to an answer that has begun: authenticate (401) → check the body (400)
 * → credits (402) → request limits (429, {@link RequestLimits}) → plan (404) → reserve its worst case
 * ({@link Budgets}: 402) → call upstream ({@link CompletionExecutor}). With warm caches every step runs at once
 * on the request's event loop; a step that waits (a key or routing view not cached yet) continues on that loop.
 */
@Singleton
public class ChatCompletionFlow {

    private static final Logger LOG = Logger.getLogger(ChatCompletionFlow.class);

    /** A request whose answer has begun: what served it, and its record. */
    public record Served(ChatRequest request, Success success, Generation generation) {
    }

    /**
     * A request that ends with an error: the error, and its record when it got that far (from the credit check on;
     * a request refused before has no generation).
     */
    public static final class Refused extends RuntimeException {
        private final GatewayError error;
        private final transient Generation generation;

        public Refused(GatewayError error, Generation generation) {
            super(error.getMessage(), null, false, false);
            this.error = error;
            this.generation = generation;
        }

        public GatewayError error() {
            return error;
        }

        public Generation generation() {
            return generation;
        }
    }

    private final ApiKeyResolver apiKeys;
    private final CreditCheck credits;
    private final RoutingViews routingViews;
    private final Router router;
    private final CircuitBreakers breakers;
    private final CompletionExecutor executor;
    private final Budgets budgets;
    private final ModelCatalog catalog;
    private final ObjectMapper json;
    private final RequestLimits limits;
    private final Tracing tracing;

    public ChatCompletionFlow(ApiKeyResolver apiKeys, CreditCheck credits, RoutingViews routingViews, Router router,
                              CircuitBreakers breakers, CompletionExecutor executor, Budgets budgets,
                              ModelCatalog catalog, ObjectMapper json, RequestLimits limits, Tracing tracing) {
        this.apiKeys = apiKeys;
        this.credits = credits;
        this.routingViews = routingViews;
        this.router = router;
        this.breakers = breakers;
        this.executor = executor;
        this.budgets = budgets;
        this.catalog = catalog;
        this.json = json;
        this.limits = limits;
        this.tracing = tracing;
    }

    /**
     * Completes with the served request, or fails with {@link Refused} (an unexpected fault of Keyway's own is a 500).
     * Call on the request's event loop.
     */
    /**
     * @param referer the request's {@code HTTP-Referer} header (OpenRouter's app attribution), or null; kept for
     *                {@code /generation}
     * @param admission holds the request's concurrency slots; the caller ends it when the request ends
     */
    public Future<Served> start(String authorization, String referer, byte[] body, Admission admission) {
        Promise<Served> result = Promise.promise();
        Context context = Vertx.currentContext();
        CompletableFuture<Caller> auth = apiKeys.resolve(authorization);
        if (auth.isDone()) {
            guarded(result, () -> authenticated(result, context, auth, referer, body, admission)); // warm: no hand-over
        } else {
            // A cache miss completes on the key-service client's thread: continue on this request's own context.
            auth.whenComplete((c, f) -> onContext(context,
                    () -> guarded(result, () -> authenticated(result, context, auth, referer, body, admission))));
        }
        return result.future();
    }

    private void authenticated(Promise<Served> result, Context context, CompletableFuture<Caller> auth, String referer,
                               byte[] body, Admission admission) {
        Caller caller;
        try {
            caller = auth.join();
        } catch (RuntimeException e) {
            result.fail(refused(unwrap(e), null));
            return;
        }
        ChatRequest request;
        try {
            request = ChatRequest.parse(body, json, catalog);
        } catch (GatewayError e) {
            result.fail(new Refused(e, null));
            return;
        }
        Generation generation = new Generation(caller.accountId(), caller.apiKeyId(),
                request.models().get(0).id(), request.stream());
        generation.attribution(request.user(), referer);
        generation.trace = tracing.request(generation);
        try {
            credits.require(caller);
        } catch (GatewayError e) {
            result.fail(new Refused(e, generation));
            return;
        }
        CompletableFuture<AccountRouting> view = routingViews.view(caller.accountId());
        if (view.isDone()) {
            plan(result, request, caller, generation, view, admission);
        } else {
            view.whenComplete((v, f) -> onContext(context,
                    () -> guarded(result, () -> plan(result, request, caller, generation, view, admission))));
        }
    }

    private void plan(Promise<Served> result, ChatRequest request, Caller caller, Generation generation,
                      CompletableFuture<AccountRouting> view, Admission admission) {
        RoutingPlan plan;
        try {
            AccountRouting routing = view.join();
            try {
                limits.admit(caller, routing.view(), admission);
            } catch (GatewayError e) {
                result.fail(new Refused(e, null)); // refused before any work: no record, no usage event
                return;
            }
            plan = router.plan(request.models(), request.preferences(), request.parameters(), caller.apiKeyId(),
                    request.user(), routing.view(), routing, breakers);
        } catch (RuntimeException e) {
            result.fail(refused(unwrap(e), generation));
            return;
        }
        if (!plan.routable()) {
            result.fail(new Refused(noAllowedProviders(plan), generation));
            return;
        }
        CompletableFuture<Budgets.Reservation> reservation = budgets.reserve(caller,
                budgets.worstCase(request, plan, caller));
        if (reservation.isDone()) {
            dispatch(result, request, plan, generation, reservation); // a lease with room: no hand-over
        } else {
            Context context = Vertx.currentContext();
            reservation.whenComplete((r, f) -> onContext(context,
                    () -> guarded(result, () -> dispatch(result, request, plan, generation, reservation))));
        }
    }

    private void dispatch(Promise<Served> result, ChatRequest request, RoutingPlan plan, Generation generation,
                          CompletableFuture<Budgets.Reservation> reservation) {
        try {
            generation.reservation = reservation.join();
        } catch (RuntimeException e) {
            result.fail(refused(unwrap(e), generation));
            return;
        }
        executor.run(plan, request, generation).onComplete(outcome -> {
            if (outcome.failed()) {
                result.fail(refused(outcome.cause(), generation));
            } else {
                result.complete(new Served(request, outcome.result(), generation));
            }
        });
    }

    private GatewayError noAllowedProviders(RoutingPlan plan) {
        var first = plan.unroutable().get(0);
        ObjectNode metadata = json.createObjectNode();
        first.availableProviders().forEach(metadata.putArray("available_providers")::add);
        first.requestedProviders().forEach(metadata.putArray("requested_providers")::add);
        metadata.put("failed_routing_step", first.failedStep());
        metadata.put("model", first.model());
        return new GatewayError(404, "No allowed providers are available for the selected model. Providers serving "
                + first.model() + ": " + String.join(", ", first.availableProviders())
                + "; after this request's provider preferences and the account's ignored providers none is left ("
                + first.failedStep() + ").", metadata);
    }

    /** A {@link GatewayError} is the client's answer; anything else is Keyway's own fault (a 500). */
    private static Refused refused(Throwable failure, Generation generation) {
        if (failure instanceof GatewayError e) {
            return new Refused(e, generation);
        }
        LOG.errorf("Unexpected failure in chat completion: %s", failure.getClass().getSimpleName());
        return new Refused(new GatewayError(500, "Internal error"), generation);
    }

    private static void onContext(Context context, Runnable task) {
        if (context == null || Vertx.currentContext() == context) {
            task.run();
        } else {
            context.runOnContext(v -> task.run());
        }
    }

    /** A continuation run from a future's callback: an unexpected exception still ends the request. */
    private static void guarded(Promise<Served> result, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            result.tryFail(refused(e, null));
        }
    }

    private static Throwable unwrap(Throwable t) {
        return (t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null
                ? t.getCause() : t;
    }
}
