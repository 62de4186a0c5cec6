package io.keyway.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.keyway.keys.model.Account;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import org.junit.jupiter.api.Test;

/** The schema Flyway creates and the entity mapping agree, against the real PostgreSQL. */
@QuarkusTest
class AccountPersistenceTests {

    @Test
    void accountRoundTripsThroughPostgresWithTheMigratedSchema() throws Throwable {
        Account account = Account.create("Acme Corp");
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(account::persist));

        Account found = VertxContextSupport.subscribeAndAwait(
                () -> Panache.withSession(() -> Account.<Account>findById(account.id)));

        assertNotNull(found, "account was not stored");
        assertEquals("Acme Corp", found.name);
        assertEquals(0L, found.version);
        assertEquals(account.createdAt.toEpochMilli(), found.createdAt.toEpochMilli());
    }
}
