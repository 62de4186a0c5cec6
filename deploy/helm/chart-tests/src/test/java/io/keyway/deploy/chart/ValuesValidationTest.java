package io.keyway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A values file that breaks values.schema.json (or a rule the schema cannot express) stops the install with a
 * message that names the value at fault, before anything reaches the cluster.
 */
class ValuesValidationTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "unknown-security-protocol.yaml    | /kafka/securityProtocol              | value must be one of 'PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'",
            "replicas-as-text.yaml             | /gateway/replicaCount                | want integer",
            "misspelled-top-level-key.yaml     | 'gatway' not allowed                 | additional properties",
            "unknown-secret-store.yaml         | /keyService/secretStores/default     | value must be one of 'local', 'vault', 'aws'",
            "secret-value-instead-of-reference.yaml | /postgresql/keys                | 'password' not allowed",
    })
    void schemaViolationNamesTheValue(String file, String where, String what) {
        String message = renderFailure(file);
        assertTrue(message.contains("values don't meet the specifications of the schema"), message);
        assertTrue(message.contains(where), () -> "message should name " + where + ": " + message);
        assertTrue(message.contains(what), () -> "message should say " + what + ": " + message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "sasl-without-credentials.yaml      | kafka.sasl.existingSecret (a Secret holding the sasl.jaas.config line",
            "client-cert-without-tls.yaml       | kafka.tls.clientCertSecret is set but kafka.securityProtocol is SASL_PLAINTEXT; use SSL or SASL_SSL",
            "active-master-key-not-listed.yaml  | keyService.secretStores.local.activeMasterKey \"k9\" is not the id of an entry",
            "local-store-without-master-keys.yaml | keyService.secretStores.local.activeMasterKey \"k1\" is not the id of an entry in keyService.secretStores.local.masterKeys (ids: )",
            "vault-kubernetes-without-role.yaml | keyService.secretStores.vault.kubernetes.role is required",
            "default-store-disabled.yaml        | keyService.secretStores.default is \"aws\" but keyService.secretStores.aws.enabled is false",
            "autoscaling-min-above-max.yaml     | billing.autoscaling.minReplicas (5) is greater than billing.autoscaling.maxReplicas (2)",
            "shutdown-longer-than-grace-period.yaml | gateway.shutdownTimeoutSeconds (120) must be shorter than gateway.terminationGracePeriodSeconds (60)",
    })
    void ruleViolationNamesTheValue(String file, String expected) {
        String message = renderFailure(file);
        assertTrue(message.contains(expected), () -> "message should contain <" + expected + ">: " + message);
    }

    private static String renderFailure(String file) {
        var failure = assertThrows(IllegalStateException.class,
                () -> KeywayChart.renderText(Map.of(), "invalid/" + file), file + " should not render");
        return failure.getMessage();
    }
}
