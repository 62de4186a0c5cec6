package io.keyway.gateway.service;

import io.keyway.gateway.provider.UpstreamError;

/**
 * Which breaker a failed attempt counts against, so that one tenant cannot open an endpoint for every tenant: only
 * failures that say the provider itself is failing count against the endpoint; what a tenant's own key or request
 * caused counts against that credential, or nothing. The rules, in order:
 * <ol>
 * <li>a request error (400, 413, 422) counts against nothing;</li>
 * <li>what the adapter blames on the credential (401, 402, 403, 429: invalid, out of credit, rate limited) counts
 *     against the credential — for a BYOK key these are the tenant's own account's;</li>
 * <li>a timeout of a BYOK attempt counts against that key only: its time depends on the tenant's request (prompt,
 *     {@code max_tokens}), its account's throughput and, for Azure, its own deployment's capacity;</li>
 * <li>a pooled attempt whose answer was too long for the gateway — its total timeout passed while the answer was still
 *     arriving, or the provider's own 408 (its model's processing-time limit) — counts against nothing: that is the
 *     request's length, and the pooled credential is shared;</li>
 * <li>a failure of the host a credential names (an Azure key's deployment {@code endpoint_url}) counts against that
 *     credential: it is the tenant's (or the platform's) own resource, not the provider's;</li>
 * <li>everything else counts against the endpoint: 5xx, connect errors, resets, invalid or oversized answers, and a
 *     pooled attempt's first-byte (idle) timeout — on BYOK and pooled calls alike, since a key cannot make the
 *     provider fail.</li>
 * </ol>
 * A client that goes away never produces a failure here: a stream has begun (and counted as a success) before
 * anything is sent to the client, and a whole answer's attempt runs to its end.
 */
public enum Culprit {
    ENDPOINT, CREDENTIAL, NONE;

    /**
     * @param timedOut no answer in time (the gateway's first-byte, idle or total timeout, or the provider's 408)
     * @param answerTooLong the answer was still arriving at the gateway's total timeout, or the provider's 408
     * @param hostOfCredential the call went to a host the credential names, not the catalog's
     */
    public static Culprit of(boolean requestError, UpstreamError.Blame blame, boolean timedOut, boolean answerTooLong,
                             boolean byok, boolean hostOfCredential) {
        if (requestError) {
            return NONE;
        }
        if (blame == UpstreamError.Blame.CREDENTIAL) {
            return CREDENTIAL;
        }
        if ((timedOut || answerTooLong) && byok) {
            return CREDENTIAL;
        }
        if (answerTooLong) {
            return NONE;
        }
        return hostOfCredential ? CREDENTIAL : ENDPOINT;
    }
}
