package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static io.keyway.deploy.chart.RenderedChart.Component.KEY_SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The chart against the services' own configuration (src/main/resources/application.properties and their
 * {@code @ConfigMapping} interfaces): production must never run on a local default (the well-known tokens and
 * passwords, 127.0.0.1 addresses), and every KEYWAY_* variable the chart sets must be one the service reads.
 */
class ServiceConfigurationContractTest {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(KEYWAY_[A-Z0-9_]+):([^}]*)}");

    /** Settings a service reads through its @ConfigMapping without a ${...} placeholder: file and method that read it. */
    private static final Map<String, String[]> MAPPING_PROPERTIES = Map.of(
            "KEYWAY_GATEWAY_CATALOG_PATH", new String[] {"gateway-service", "config/GatewayConfig.java", "catalogPath()"},
            "KEYWAY_KEYS_SECRETS_LOCAL_ENABLED", new String[] {"key-service", "secrets/SecretStoresConfig.java", "interface Local"},
            "KEYWAY_KEYS_SECRETS_VAULT_PATH_PREFIX", new String[] {"key-service", "secrets/SecretStoresConfig.java", "String pathPrefix()"},
            "KEYWAY_KEYS_SECRETS_AWS_NAME_PREFIX", new String[] {"key-service", "secrets/SecretStoresConfig.java", "String namePrefix()"});

    /** Read by contracts' TracingSwitch in every service (a configuration source; TracingTest checks it). */
    private static final Set<String> SHARED_SWITCHES = Set.of("KEYWAY_OTEL_ENDPOINT");

    private static final String MASTER_KEY_PREFIX = "keyway.keys.secrets.local.master-keys.";

    /** Every store and option switched on, so that every conditional setting is rendered. */
    private static final RenderedChart everything = KeywayChart.render(Map.of(
                    "keyService.secretStores.aws.kmsKeyId", "alias/keyway",
                    "gateway.catalog.existingConfigMap", "catalog"),
            "profiles/vault-kubernetes.yaml", "profiles/aws-irsa.yaml", "profiles/local-store-rotation.yaml",
            "profiles/kafka-sasl-ssl.yaml");
    private static final RenderedChart defaults = KeywayChart.render();

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path module(RenderedChart.Component component) {
        return KeywayChart.repoDir().resolve(component.componentName);
    }

    /** ${KEYWAY_X:default} placeholders of the service's production configuration (not %test. or %dev. lines). */
    static Map<String, String> placeholders(RenderedChart.Component component) {
        Map<String, String> found = new TreeMap<>();
        read(module(component).resolve("src/main/resources/application.properties")).lines()
                .filter(line -> !line.startsWith("#") && !line.startsWith("%"))
                .forEach(line -> PLACEHOLDER.matcher(line).results().forEach(m -> found.put(m.group(1), m.group(2))));
        return found;
    }

    private static Set<String> setByChart(RenderedChart chart, RenderedChart.Component component) {
        Set<String> names = new TreeSet<>(chart.configEnv(component).keySet());
        names.addAll(chart.containerEnv(component).keySet());
        return names;
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void everyCredentialWithALocalDefaultComesFromASecret(RenderedChart.Component component) {
        var credentials = placeholders(component).keySet().stream()
                .filter(name -> name.matches(".*(TOKEN|PASSWORD|_USER)$")).toList();
        assertTrue(credentials.size() >= 1, () -> component + " reads no credential at all? " + placeholders(component));
        var env = defaults.containerEnv(component);
        for (String name : credentials) {
            var var = env.get(name);
            assertNotNull(var, () -> component + " would run with the default " + name + " from application.properties");
            assertNotNull(var.getValueFrom().getSecretKeyRef(), () -> name + " must come from a Secret");
        }
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void everyLocalAddressDefaultIsReplaced(RenderedChart.Component component) {
        Set<String> set = setByChart(everything, component);
        placeholders(component).forEach((name, fallback) -> {
            if (fallback.contains("127.0.0.1") || fallback.contains("localhost")) {
                assertTrue(set.contains(name), () -> component + " would use its local default " + name + "=" + fallback);
            }
        });
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void everyKeywaySettingTheChartSetsIsReadByTheService(RenderedChart.Component component) {
        var read = placeholders(component).keySet();
        for (String name : setByChart(everything, component)) {
            if (name.startsWith(MASTER_KEY_PREFIX)) {
                assertTrue(read(module(component).resolve("src/main/resources/application.properties")).contains(MASTER_KEY_PREFIX),
                        () -> component + " has no " + MASTER_KEY_PREFIX + "* property");
                continue;
            }
            if (!name.startsWith("KEYWAY_") || read.contains(name) || SHARED_SWITCHES.contains(name)) {
                continue;
            }
            String[] mapping = MAPPING_PROPERTIES.get(name);
            assertNotNull(mapping, () -> component + " does not read " + name + " (no ${" + name + ":...} in its properties)");
            assertEquals(component.componentName, mapping[0], name);
            Path source = findSource(module(component), mapping[1]);
            assertTrue(read(source).contains(mapping[2]), () -> source + " no longer has " + mapping[2] + " for " + name);
        }
    }

    /** Every store and auth method: the other Vault auth methods set their own Quarkus variables. */
    private static final List<RenderedChart> everyProfile = List.of(everything,
            KeywayChart.render("profiles/vault-token.yaml"), KeywayChart.render("profiles/vault-approle.yaml"),
            KeywayChart.render("profiles/kafka-mtls.yaml"));

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void everyQuarkusSettingTheChartSetsIsARunTimePropertyOfAnExtensionTheServiceUses(RenderedChart.Component component) {
        assertTrue(QuarkusConfigModel.size() > 100, "no Quarkus configuration metadata on the test class path");
        String pom = read(module(component).resolve("pom.xml"));
        Set<String> names = new TreeSet<>();
        everyProfile.forEach(chart -> names.addAll(setByChart(chart, component)));
        for (String name : names.stream().filter(n -> n.startsWith("QUARKUS_")).toList()) {
            var property = QuarkusConfigModel.byEnvironmentVariable(name);
            assertNotNull(property, () -> name + " is no property any Quarkus extension documents (misspelt?); if the"
                    + " chart now sets another extension's property, add that extension to chart-tests/pom.xml");
            assertEquals("RUN_TIME", property.phase(),
                    () -> name + " (" + property.name() + ") is fixed at build time: setting it in the pod has no effect");
            assertTrue(property.extensionArtifactId().equals("quarkus-core")
                            || pom.contains("<artifactId>" + property.extensionArtifactId() + "</artifactId>"),
                    () -> name + " belongs to " + property.extensionArtifactId() + ", which " + component + " does not use");
        }
    }

    /** Kafka's own client property names (what Quarkus turns a KAFKA_X_Y variable into: x.y). */
    private static final Set<String> KAFKA_CLIENT_PROPERTIES = kafkaClientProperties();

    private static Set<String> kafkaClientProperties() {
        Set<String> names = new TreeSet<>(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return names;
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void everyKafkaSettingTheChartSetsIsAKafkaClientPropertyTheServicePassesOn(RenderedChart.Component component) {
        Set<String> names = new TreeSet<>();
        everyProfile.forEach(chart -> names.addAll(setByChart(chart, component)));
        var kafka = names.stream().filter(n -> n.startsWith("KAFKA_")).toList();
        assertTrue(kafka.contains("KAFKA_SECURITY_PROTOCOL") && kafka.contains("KAFKA_SASL_JAAS_CONFIG"), kafka::toString);
        // Quarkus' default-kafka-broker configuration: every kafka.* / KAFKA_* property, lower case, '_' -> '.'.
        assertTrue(read(module(component).resolve("pom.xml")).contains("<artifactId>quarkus-messaging-kafka</artifactId>"),
                () -> component + " has no Quarkus Kafka extension to read KAFKA_* variables");
        for (String name : kafka) {
            String property = name.substring("KAFKA_".length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.');
            assertTrue(KAFKA_CLIENT_PROPERTIES.contains(property),
                    () -> name + " becomes '" + property + "', which is no Kafka client property");
        }
    }

    private static Path findSource(Path module, String relative) {
        try (var files = Files.walk(module.resolve("src/main/java"))) {
            return files.filter(p -> p.toString().endsWith("/" + relative)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + relative + " in " + module));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void servicePortMatchesTheServicesOwnDefault(RenderedChart.Component component) {
        var properties = read(module(component).resolve("src/main/resources/application.properties"));
        var port = Pattern.compile("(?m)^quarkus\\.http\\.port=\\$\\{KEYWAY_[A-Z_]+_PORT:(\\d+)}").matcher(properties);
        assertTrue(port.find(), component + " has no quarkus.http.port default");
        assertEquals(component.port, Integer.parseInt(port.group(1)));
        assertEquals(component.port, defaults.container(component).getPorts().get(0).getContainerPort());
        assertTrue(component != GATEWAY || component.port == 8080);
        assertTrue(component != KEY_SERVICE || component.port == 8081);
    }
}
