package io.keyway.gateway.service;

import static io.keyway.gateway.provider.UpstreamError.Blame.CREDENTIAL;
import static io.keyway.gateway.provider.UpstreamError.Blame.ENDPOINT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link Culprit}'s rules, one test per rule: which breaker a failed attempt counts against. */
class CulpritTests {

    static final boolean BYOK = true;
    static final boolean POOLED = false;

    @Test
    void aRequestErrorCountsAgainstNothing() {
        assertEquals(Culprit.NONE, Culprit.of(true, ENDPOINT, false, false, BYOK, false));
        assertEquals(Culprit.NONE, Culprit.of(true, ENDPOINT, false, false, POOLED, false));
    }

    @Test
    void authCreditAndRateLimitFailuresCountAgainstTheCredentialOnly() {
        assertEquals(Culprit.CREDENTIAL, Culprit.of(false, CREDENTIAL, false, false, BYOK, false));
        assertEquals(Culprit.CREDENTIAL, Culprit.of(false, CREDENTIAL, false, false, POOLED, false));
    }

    @Test
    void everyTimeoutOfABYOKKeyCountsAgainstThatKeyOnly() {
        assertEquals(Culprit.CREDENTIAL, Culprit.of(false, ENDPOINT, true, false, BYOK, false), "first byte / idle");
        assertEquals(Culprit.CREDENTIAL, Culprit.of(false, ENDPOINT, true, true, BYOK, false), "total timeout");
        assertEquals(Culprit.CREDENTIAL, Culprit.of(false, ENDPOINT, false, true, BYOK, false), "provider's 408");
    }

    @Test
    void aPooledAnswerTooLongForTheTotalTimeoutOrTheProviders408CountsAgainstNothing() {
        assertEquals(Culprit.NONE, Culprit.of(false, ENDPOINT, true, true, POOLED, false));
        assertEquals(Culprit.NONE, Culprit.of(false, ENDPOINT, false, true, POOLED, false));
    }

    @Test
    void aPooledFirstByteTimeoutCountsAgainstTheEndpoint() {
        assertEquals(Culprit.ENDPOINT, Culprit.of(false, ENDPOINT, true, false, POOLED, false));
    }

    @Test
    void fiveHundredsConnectErrorsAndResetsCountAgainstTheEndpointForBYOKAndPooledAlike() {
        assertEquals(Culprit.ENDPOINT, Culprit.of(false, ENDPOINT, false, false, BYOK, false));
        assertEquals(Culprit.ENDPOINT, Culprit.of(false, ENDPOINT, false, false, POOLED, false));
    }

    @Test
    void failuresOfAHostTheCredentialNamesCountAgainstThatCredential() {
        assertEquals(Culprit.CREDENTIAL, Culprit.of(false, ENDPOINT, false, false, BYOK, true), "an Azure key's 5xx");
        assertEquals(Culprit.CREDENTIAL, Culprit.of(false, ENDPOINT, true, false, POOLED, true),
                "a pooled Azure deployment's silence");
    }
}
