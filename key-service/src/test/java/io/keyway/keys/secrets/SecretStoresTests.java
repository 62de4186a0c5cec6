package io.keyway.keys.secrets;

import static io.keyway.keys.secrets.TestSecrets.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vault.client.VaultClient;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rules {@link SecretStores} adds on top of every store: brief caching, the stale window, timeout, retries,
 * circuit breaker, and a clear failure naming the store. The backend is the Vault stand-in, whose faults the tests
 * switch; time is moved with {@link AdjustableSecretClock}.
 */
@QuarkusTest
@QuarkusTestResource(VaultStandInResource.class)
class SecretStoresTests {

    private static final TestSecrets SECRETS = new TestSecrets();
    private static final SecretOwner OWNER =
            new SecretOwner(UUID.randomUUID().toString(), "anthropic", UUID.randomUUID().toString());
    private static final Duration PAST_CACHE_TTL = Duration.ofSeconds(31);
    private static final Duration PAST_STALE_WINDOW = Duration.ofMinutes(16);

    @Inject
    SecretStores stores;

    @Inject
    AdjustableSecretClock clock;

    @Inject
    VaultClient vault;

    @Inject
    CircuitBreakerMaintenance breakers;

    @BeforeAll
    static void captureLogs() {
        CapturedLogs.install();
    }

    @BeforeEach
    void healthyVault() {
        VaultStandInControl.reset();
        breakers.resetAll();
    }

    @AfterAll
    static void noSecretReachedTheLogs() {
        CapturedLogs.assertNoneContain(SECRETS.issued());
    }

    @Test
    void aReadWithinTheCacheTtlIsServedFromMemoryWithoutAskingTheStore() {
        SecretValue secret = SECRETS.fresh();
        String locator = await(stores.create("vault", OWNER, secret));
        VaultStandInControl.reset();

        assertEquals(secret.value(), await(stores.read("vault", locator)).value());
        assertEquals(secret.value(), await(stores.read("vault", locator)).value());
        assertEquals(0, readsOf(locator), "a cached secret was fetched again");

        clock.advance(PAST_CACHE_TTL);
        assertEquals(secret.value(), await(stores.read("vault", locator)).value());
        assertEquals(1, readsOf(locator), "an expired copy was not fetched again");
    }

    @Test
    void whileTheStoreIsDownASecretReadWithinTheStaleWindowIsStillServed() {
        SecretValue secret = SECRETS.fresh();
        String locator = await(stores.create("vault", OWNER, secret));
        VaultStandInControl.seal();
        clock.advance(PAST_CACHE_TTL);

        assertEquals(secret.value(), await(stores.read("vault", locator)).value());

        assertTrue(readsOf(locator) >= 1, "the store was not asked before the stale copy was served");
        assertTrue(CapturedLogs.anyContains("serving the copy of " + locator));
    }

    @Test
    void afterTheStaleWindowADownStoreFailsTheReadNamingTheStore() {
        String locator = await(stores.create("vault", OWNER, SECRETS.fresh()));
        VaultStandInControl.seal();
        clock.advance(PAST_STALE_WINDOW);

        SecretStoreUnavailableException e = assertThrows(SecretStoreUnavailableException.class,
                () -> await(stores.read("vault", locator)));

        assertEquals("vault", e.store());
        assertTrue(e.getMessage().startsWith("secret store 'vault' is unavailable"), e.getMessage());
    }

    @Test
    void failedReadsAreRetriedSoAShortOutageIsNotNoticed() {
        SecretValue secret = SECRETS.fresh();
        String locator = await(stores.create("vault", OWNER, secret));
        stores.clearCaches();
        VaultStandInControl.reset();
        VaultStandInControl.failNext(2);

        assertEquals(secret.value(), await(stores.read("vault", locator)).value());

        assertEquals(3, readsOf(locator), "two failed attempts and a third that succeeds");
    }

    @Test
    void repeatedFailuresOpenTheCircuitBreakerAndThenCallsNoLongerReachTheStore() {
        VaultStandInControl.seal();
        String breaker = SecretStores.circuitBreakerName("vault", true);

        SecretStoreUnavailableException last = null;
        for (int i = 0; i < 5 && breakers.currentState(breaker) != CircuitBreakerState.OPEN; i++) {
            last = assertThrows(SecretStoreUnavailableException.class,
                    () -> await(stores.read("vault", "keyway/none/none/" + UUID.randomUUID())));
        }
        assertEquals(CircuitBreakerState.OPEN, breakers.currentState(breaker));
        int requestsBefore = VaultStandInControl.requests().size();

        SecretStoreUnavailableException e = assertThrows(SecretStoreUnavailableException.class,
                () -> await(stores.read("vault", "keyway/none/none/" + UUID.randomUUID())));

        assertEquals(requestsBefore, VaultStandInControl.requests().size(), "an open breaker let a call through");
        assertTrue(e.getMessage().contains("circuit breaker open"), e.getMessage());
        assertTrue(last != null && last.getMessage().contains("sealed"), String.valueOf(last));
    }

    @Test
    void aStoreThatDoesNotAnswerInTimeFailsTheCallWithATimeout() {
        VaultStandInControl.delay(4_500);

        SecretStoreUnavailableException e = assertThrows(SecretStoreUnavailableException.class,
                () -> await(stores.create("vault", OWNER, SECRETS.fresh())));

        assertEquals("vault", e.store());
        assertTrue(e.getMessage().contains("no answer within the timeout"), e.getMessage());
    }

    @Test
    void aSecretTheStoreNoLongerHasIsNotFoundAndNoStaleCopyIsServedAfterwards() throws Exception {
        String locator = await(stores.create("vault", OWNER, SECRETS.fresh()));
        // removed behind key-service's back
        vault.secrets().kv2("secret").deleteSecretMetadata(locator).toCompletableFuture().get();
        clock.advance(PAST_CACHE_TTL);

        assertThrows(SecretNotFoundException.class, () -> await(stores.read("vault", locator)));

        VaultStandInControl.seal();
        assertThrows(SecretStoreUnavailableException.class, () -> await(stores.read("vault", locator)));
    }

    @Test
    void notFoundIsAnAnswerSoItIsNeitherRetriedNorCountedByTheBreaker() {
        String breaker = SecretStores.circuitBreakerName("vault", true);
        String locator = "keyway/none/none/" + UUID.randomUUID();

        for (int i = 0; i < 8; i++) {
            assertThrows(SecretNotFoundException.class, () -> await(stores.read("vault", locator)));
        }

        assertEquals(8, readsOf(locator), "a not-found read was retried");
        assertEquals(CircuitBreakerState.CLOSED, breakers.currentState(breaker));
    }

    @Test
    void anUnknownStoreNameIsRejectedAndOnlyConfiguredStoresAreOffered() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> stores.read("s3", "anything"));
        assertEquals("unknown secret store 's3'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> stores.create("s3", OWNER, SECRETS.fresh()));
        assertFalse(stores.isConfigured("s3"));
        assertFalse(stores.isConfigured(null));
        assertTrue(stores.isConfigured("local"));
        assertTrue(stores.isConfigured("vault"));
        assertEquals(java.util.Set.of("aws", "local", "vault"), stores.names());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"local", "aws", "vault"})
    void answersComeBackOnTheCallersVertxContextSoAReactiveSessionCanContinue(String store) throws Throwable {
        SecretValue secret = SECRETS.fresh();
        var caller = new java.util.concurrent.atomic.AtomicReference<io.vertx.core.Context>();
        var afterCreate = new java.util.concurrent.atomic.AtomicReference<io.vertx.core.Context>();
        var afterRead = new java.util.concurrent.atomic.AtomicReference<io.vertx.core.Context>();

        Long accounts = io.quarkus.vertx.VertxContextSupport.subscribeAndAwait(
                () -> io.quarkus.hibernate.reactive.panache.Panache.withSession(() -> {
                    caller.set(io.vertx.core.Vertx.currentContext());
                    return stores.create(store, OWNER, secret)
                            .invoke(() -> afterCreate.set(io.vertx.core.Vertx.currentContext()))
                            .invoke(stores::clearCaches)
                            .chain(locator -> stores.read(store, locator))
                            .invoke(read -> assertEquals(secret.value(), read.value()))
                            .invoke(() -> afterRead.set(io.vertx.core.Vertx.currentContext()))
                            .chain(read -> io.keyway.keys.model.Account.count());
                }));

        assertTrue(caller.get() != null && accounts >= 0);
        assertTrue(caller.get() == afterCreate.get(), store + ": create answered on another context");
        assertTrue(caller.get() == afterRead.get(), store + ": read answered on another context");
    }

    @Test
    void aSecretValuePrintsAsStars() {
        SecretValue secret = SECRETS.fresh();
        assertEquals("SecretValue[****]", secret.toString());
        assertEquals(secret.value().substring(secret.value().length() - 4), secret.hint());
    }

    private static long readsOf(String locator) {
        return VaultStandInControl.requests().stream()
                .filter(r -> r.startsWith("GET /v1/secret/data/" + locator + " "))
                .count();
    }
}
