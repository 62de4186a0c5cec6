package io.keyway.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Compares two {@code /generation} answers: the ring's and billing's must be one answer. */
public final class GenerationAnswers {

    private GenerationAnswers() {
    }

    /** The same members in the same order with the same values (numbers as numbers: 0 and 0.000 are one cost). */
    public static void assertSameGeneration(JsonNode expected, JsonNode actual) {
        List<String> names = new ArrayList<>();
        expected.fieldNames().forEachRemaining(names::add);
        List<String> actualNames = new ArrayList<>();
        actual.fieldNames().forEachRemaining(actualNames::add);
        assertEquals(names, actualNames, "the same members in the same order");
        for (String name : names) {
            JsonNode e = expected.get(name);
            JsonNode a = actual.get(name);
            if (e.isNumber() && a.isNumber()) {
                assertEquals(0, e.decimalValue().compareTo(a.decimalValue()), name + ": " + e + " vs " + a);
            } else {
                assertEquals(e, a, name);
            }
        }
    }
}
