package io.keyway.deploy.chart;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** The objects of one {@code helm template} run, as fabric8 Kubernetes model objects. */
record RenderedChart(List<HasMetadata> objects) {

    /** The chart's three services: values key -> component name and port. */
    enum Component {
        GATEWAY("gateway-service", 8080),
        KEY_SERVICE("key-service", 8081),
        BILLING("billing-service", 8082);

        final String componentName;
        final int port;

        Component(String componentName, int port) {
            this.componentName = componentName;
            this.port = port;
        }

        String resourceName() {
            return KeywayChart.RELEASE + "-keyway-" + componentName;
        }
    }

    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

    static RenderedChart parse(String yaml) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : DOCUMENT_SEPARATOR.split(yaml)) {
            if (document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
                continue;
            }
            rejectDuplicateKeys(document);
            KubernetesResource resource = Serialization.unmarshal(document);
            if (!(resource instanceof HasMetadata object)) {
                throw new AssertionError("rendered document is not a Kubernetes object:\n" + document);
            }
            objects.add(object);
        }
        return new RenderedChart(List.copyOf(objects));
    }

    /** Jackson silently keeps the last of two equal keys; a template that emits one twice is a bug. */
    private static void rejectDuplicateKeys(String document) {
        var options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        try {
            new Yaml(options).load(document);
        } catch (RuntimeException e) {
            throw new AssertionError("rendered document is not clean YAML: " + e.getMessage() + "\n" + document, e);
        }
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    List<HasMetadata> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.getKind())).toList();
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
    }

    <T extends HasMetadata> T get(Class<T> type, String name) {
        return find(type, name).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name
                + "; rendered: " + objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList()));
    }

    Deployment deployment(Component component) {
        return get(Deployment.class, component.resourceName());
    }

    Container container(Component component) {
        var containers = deployment(component).getSpec().getTemplate().getSpec().getContainers();
        if (containers.size() != 1) {
            throw new AssertionError(component + " should run exactly one container, has " + containers.size());
        }
        return containers.get(0);
    }

    /** The env entries written directly into the container (secret references, extraEnv). */
    Map<String, EnvVar> containerEnv(Component component) {
        return container(component).getEnv().stream()
                .collect(Collectors.toMap(EnvVar::getName, Function.identity(), (a, b) -> {
                    throw new AssertionError("env " + a.getName() + " set twice in " + component);
                }));
    }

    /** The non-secret settings the container receives from its env ConfigMap. */
    Map<String, String> configEnv(Component component) {
        var refs = container(component).getEnvFrom().stream()
                .filter(e -> e.getConfigMapRef() != null)
                .map(e -> e.getConfigMapRef().getName())
                .toList();
        if (!refs.contains(component.resourceName() + "-env")) {
            throw new AssertionError(component + " does not read its env ConfigMap; envFrom: " + refs);
        }
        return get(ConfigMap.class, component.resourceName() + "-env").getData();
    }

    ServiceAccount serviceAccount(Component component) {
        String name = deployment(component).getSpec().getTemplate().getSpec().getServiceAccountName();
        return get(ServiceAccount.class, name);
    }
}
