package io.keyway.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.keyway.billing.model.LedgerEntry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** The migrated schema and the entity agree, and money survives the round trip exactly (NUMERIC, BigDecimal). */
@QuarkusTest
class LedgerPersistenceTests {

    @Test
    void ledgerEntryRoundTripsThroughPostgresWithExactMoney() throws Throwable {
        LedgerEntry entry = LedgerEntry.of("acct-" + System.nanoTime(), LedgerEntry.Kind.CHARGE,
                new BigDecimal("-0.000000123457"), "5% of list cost");
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(entry::persist));

        LedgerEntry found = VertxContextSupport.subscribeAndAwait(
                () -> Panache.withSession(() -> LedgerEntry.<LedgerEntry>findById(entry.id)));

        assertNotNull(found, "ledger entry was not stored");
        assertEquals(0, new BigDecimal("-0.000000123457").compareTo(found.amount), "amount changed: " + found.amount);
        assertEquals(LedgerEntry.Kind.CHARGE, found.kind);
        assertEquals(entry.accountId, found.accountId);
    }
}
