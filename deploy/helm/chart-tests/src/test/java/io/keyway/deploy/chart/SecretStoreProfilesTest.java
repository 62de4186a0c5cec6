package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.DefaultValuesTest.assertSecretRef;
import static io.keyway.deploy.chart.RenderedChart.Component.BILLING;
import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static io.keyway.deploy.chart.RenderedChart.Component.KEY_SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The three secret-store profiles of key-service: Vault, AWS Secrets Manager, the local encrypted store. */
class SecretStoreProfilesTest {

    private static List<String> masterKeyEnv(RenderedChart chart) {
        return chart.containerEnv(KEY_SERVICE).keySet().stream()
                .filter(name -> name.startsWith("keyway.keys.secrets.local.master-keys.")).sorted().toList();
    }

    @Nested
    class VaultWithKubernetesAuth {

        private final RenderedChart chart = KeywayChart.render("profiles/vault-kubernetes.yaml");

        @Test
        void keyServiceLogsInToVaultWithItsServiceAccountRole() {
            var env = chart.configEnv(KEY_SERVICE);
            assertEquals("vault", env.get("KEYWAY_KEYS_DEFAULT_SECRET_STORE"));
            assertEquals("https://vault.vault.svc:8200", env.get("KEYWAY_VAULT_ADDR"));
            assertEquals("keyway-key-service", env.get("QUARKUS_VAULT_AUTHENTICATION_KUBERNETES_ROLE"));
            assertEquals("auth/k8s-prod", env.get("QUARKUS_VAULT_AUTHENTICATION_KUBERNETES_AUTH_MOUNT_PATH"));
            assertEquals("keyway", env.get("KEYWAY_SECRETS_VAULT_MOUNT"));
            assertEquals("true", env.get("KEYWAY_SECRETS_VAULT_ENABLED"));
            assertEquals("false", env.get("KEYWAY_SECRETS_AWS_ENABLED"));
            assertEquals("keyway-key-service",
                    chart.serviceAccount(KEY_SERVICE).getMetadata().getAnnotations().get("keyway.io/vault-role"));
        }

        @Test
        void onlyKeyServiceMountsItsServiceAccountToken() {
            var keyPod = chart.deployment(KEY_SERVICE).getSpec().getTemplate().getSpec();
            assertEquals(Boolean.TRUE, keyPod.getAutomountServiceAccountToken(), "Vault's Kubernetes auth needs the token");
            for (var other : List.of(GATEWAY, BILLING)) {
                assertEquals(Boolean.FALSE, chart.deployment(other).getSpec().getTemplate().getSpec().getAutomountServiceAccountToken());
            }
        }

        @Test
        void vaultCaIsMountedFromItsSecretAndNamedToTheClient() {
            var pod = chart.deployment(KEY_SERVICE).getSpec().getTemplate().getSpec();
            var volume = pod.getVolumes().stream().filter(v -> v.getSecret() != null
                    && "vault-ca".equals(v.getSecret().getSecretName())).findFirst().orElseThrow();
            var mount = chart.container(KEY_SERVICE).getVolumeMounts().stream()
                    .filter(m -> m.getName().equals(volume.getName())).findFirst().orElseThrow();
            assertEquals(Boolean.TRUE, mount.getReadOnly());
            assertEquals(mount.getMountPath() + "/ca.pem", chart.configEnv(KEY_SERVICE).get("QUARKUS_VAULT_TLS_CA_CERT"));
        }

        @Test
        void vaultCertificateIsNotCheckedAgainstTheClusterCaUnlessAsked() {
            // quarkus-vault's default with Kubernetes auth trusts only the service account's ca.crt (the cluster CA),
            // which rejects a Vault whose certificate a public or another private CA signed.
            var publicCa = KeywayChart.render(Map.of("keyService.secretStores.vault.tls.caSecret", ""),
                    "profiles/vault-kubernetes.yaml").configEnv(KEY_SERVICE);
            assertEquals("false", publicCa.get("QUARKUS_VAULT_TLS_USE_KUBERNETES_CA_CERT"));
            assertFalse(publicCa.containsKey("QUARKUS_VAULT_TLS_CA_CERT"));
            var clusterCa = KeywayChart.render(Map.of("keyService.secretStores.vault.tls.caSecret", "",
                    "keyService.secretStores.vault.tls.useKubernetesCaCert", "true"),
                    "profiles/vault-kubernetes.yaml").configEnv(KEY_SERVICE);
            assertEquals("true", clusterCa.get("QUARKUS_VAULT_TLS_USE_KUBERNETES_CA_CERT"));
        }

        @Test
        void disabledLocalStoreNeedsNoMasterKey() {
            assertEquals(List.of(), masterKeyEnv(chart));
            // key-service enables its local store unless told otherwise.
            assertEquals("false", chart.configEnv(KEY_SERVICE).get("KEYWAY_KEYS_SECRETS_LOCAL_ENABLED"));
            assertFalse(chart.configEnv(KEY_SERVICE).containsKey("KEYWAY_LOCAL_MASTER_KEY_ID"));
        }
    }

    @Test
    void awsEndpointOverrideIsPassedOn() {
        var env = KeywayChart.render(Map.of("keyService.secretStores.aws.endpointOverride", "https://vpce-0a1b.secretsmanager.eu-west-1.vpce.amazonaws.com"),
                "profiles/aws-irsa.yaml").configEnv(KEY_SERVICE);
        assertEquals("https://vpce-0a1b.secretsmanager.eu-west-1.vpce.amazonaws.com", env.get("KEYWAY_AWS_ENDPOINT"));
    }

    @Test
    void vaultTokenAuthReadsTheTokenFromItsSecret() {
        var chart = KeywayChart.render("profiles/vault-token.yaml");
        assertSecretRef(chart.containerEnv(KEY_SERVICE), "QUARKUS_VAULT_AUTHENTICATION_CLIENT_TOKEN", "vault-token", "token");
        assertFalse(chart.configEnv(KEY_SERVICE).containsKey("QUARKUS_VAULT_AUTHENTICATION_KUBERNETES_ROLE"));
        assertEquals(Boolean.FALSE, chart.deployment(KEY_SERVICE).getSpec().getTemplate().getSpec().getAutomountServiceAccountToken());
    }

    @Test
    void vaultAppRoleReadsRoleIdAndSecretIdFromItsSecret() {
        var env = KeywayChart.render("profiles/vault-approle.yaml").containerEnv(KEY_SERVICE);
        assertSecretRef(env, "QUARKUS_VAULT_AUTHENTICATION_APP_ROLE_ROLE_ID", "vault-approle", "vault-role-id");
        assertSecretRef(env, "QUARKUS_VAULT_AUTHENTICATION_APP_ROLE_SECRET_ID", "vault-approle", "vault-secret-id");
    }

    @Nested
    class AwsWithIrsa {

        private final RenderedChart chart = KeywayChart.render("profiles/aws-irsa.yaml");

        @Test
        void onlyKeyServiceServiceAccountCarriesTheIamRole() {
            assertEquals(Map.of("eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/keyway-key-service"),
                    chart.serviceAccount(KEY_SERVICE).getMetadata().getAnnotations());
            assertEquals(Map.of(), DefaultValuesTest.annotations(chart.serviceAccount(GATEWAY)));
            assertEquals(Map.of(), DefaultValuesTest.annotations(chart.serviceAccount(BILLING)));
        }

        @Test
        void keyServiceUsesTheRegionalEndpointNotAnEmulator() {
            var env = chart.configEnv(KEY_SERVICE);
            assertEquals("aws", env.get("KEYWAY_KEYS_DEFAULT_SECRET_STORE"));
            assertEquals("eu-west-1", env.get("KEYWAY_AWS_REGION"));
            // key-service's own default endpoint is the local emulator; an empty value clears it (SmallRye treats an
            // empty value as unset), so the AWS SDK resolves the regional endpoint.
            assertEquals("", env.get("KEYWAY_AWS_ENDPOINT"));
            assertEquals("true", env.get("KEYWAY_SECRETS_AWS_ENABLED"));
            assertEquals("keyway/", env.get("KEYWAY_KEYS_SECRETS_AWS_NAME_PREFIX"));
            assertTrue(chart.containerEnv(KEY_SERVICE).keySet().stream().noneMatch(n -> n.startsWith("AWS_")),
                    "IRSA needs no static AWS credentials");
        }
    }

    @Test
    void localStoreRotationKeepsEveryMasterKeyAndNamesTheActiveOne() {
        var chart = KeywayChart.render("profiles/local-store-rotation.yaml");
        assertEquals(List.of("keyway.keys.secrets.local.master-keys.k1", "keyway.keys.secrets.local.master-keys.k2"),
                masterKeyEnv(chart));
        var env = chart.containerEnv(KEY_SERVICE);
        assertSecretRef(env, "keyway.keys.secrets.local.master-keys.k1", "keyway-master-keys", "k1");
        assertSecretRef(env, "keyway.keys.secrets.local.master-keys.k2", "keyway-master-keys-2026", "k2");
        assertEquals("k2", chart.configEnv(KEY_SERVICE).get("KEYWAY_LOCAL_MASTER_KEY_ID"));
        for (var other : List.of(GATEWAY, BILLING)) {
            assertTrue(chart.containerEnv(other).keySet().stream().noneMatch(n -> n.startsWith("keyway.keys.secrets.")),
                    () -> "only key-service may see master keys, " + other + " does too");
        }
    }
}
