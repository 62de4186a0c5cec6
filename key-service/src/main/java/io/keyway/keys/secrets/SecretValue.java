package io.keyway.keys.secrets;

/** Secret material (a provider token or a provider's JSON credential document). Never printed. */
public record SecretValue(String value) {

    /** The last four characters, for the masked label the management API shows. */
    public String hint() {
        return value.length() <= 4 ? "****" : value.substring(value.length() - 4);
    }

    @Override
    public String toString() {
        return "SecretValue[****]";
    }
}
