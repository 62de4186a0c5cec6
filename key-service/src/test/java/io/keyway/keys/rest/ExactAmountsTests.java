package io.keyway.keys.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.math.BigDecimal;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Money in request bodies is read as a decimal, never through a double (DESIGN.md §4: money is exact). */
@QuarkusTest
class ExactAmountsTests {

    @Test
    void aLimitWithMoreDigitsThanADoubleHoldsIsKeptExactly() throws Exception {
        Api.Account a = Api.newAccount();
        // 20 significant digits: a double keeps about 16, so 123456789012.12345678 would come back changed.
        String body = "{\"name\":\"exact\",\"limit\":123456789012.12345678}";
        String answer = a.mgmt().contentType(ContentType.JSON).header("Idempotency-Key", UUID.randomUUID().toString())
                .body(body).post("/api/v1/keys").then().statusCode(201).extract().asString();
        BigDecimal limit = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .readTree(answer).at("/data/limit").decimalValue();
        assertEquals(0, new BigDecimal("123456789012.12345678").compareTo(limit), limit.toPlainString());
    }
}
