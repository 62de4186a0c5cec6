package io.keyway.billing.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Issue 18, item 8: billing's request bodies refuse a field named twice, as key-service's do. */
class RequestBodiesTests {

    @Test
    void aBodyThatNamesAnAmountTwiceIsA400NamingTheField() {
        ApiError e = assertThrows(ApiError.class,
                () -> RequestBodies.object("{\"amount\":\"1.00\",\"description\":\"x\",\"amount\":\"1000000.00\"}"));
        assertEquals(400, e.status());
        assertEquals("field 'amount' appears more than once in the request body", e.getMessage());
    }

    @Test
    void aNestedDuplicateIsRefusedTooAndADistinctBodyIsRead() {
        assertThrows(ApiError.class, () -> RequestBodies.object("{\"meta\":{\"a\":1,\"a\":2}}"));
        assertEquals(new BigDecimal("1.00"),
                RequestBodies.money(RequestBodies.object("{\"amount\":\"1.00\"}"), "amount", true));
    }
}
