package io.keyway.contracts.credentials;

/**
 * A stored secret that does not have its format's shape. The message names the field at fault and what is wrong
 * ("key.endpoint_url must be an https URL"); it never quotes the secret, and carries no stack trace: it is a verdict
 * on input, not a fault in the code.
 */
public final class CredentialFormatException extends RuntimeException {

    private final String field;
    private final String problem;

    CredentialFormatException(String field, String problem) {
        super(field + " " + problem, null, false, false);
        this.field = field;
        this.problem = problem;
    }

    /** The field at fault, as a path from the secret itself: {@code key}, {@code key.region}, {@code key[1].api_key}. */
    public String field() {
        return field;
    }

    /** What is wrong with {@link #field()}, without naming it: "must be an https URL". */
    public String problem() {
        return problem;
    }
}
