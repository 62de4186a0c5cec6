package io.keyway.deploy.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The chart under test (deploy/helm/keyway), driven through the real Helm library. */
final class KeywayChart {

    static final String RELEASE = "kw";
    static final String NAMESPACE = "keyway";
    /** The chart declares kubeVersion >= 1.25; render as for a current cluster. */
    static final String KUBE_VERSION = "1.30.0";

    private KeywayChart() {
    }

    static Path chartDir() {
        return Path.of(System.getProperty("keyway.chart.dir", "../keyway")).toAbsolutePath().normalize();
    }

    static Path repoDir() {
        return Path.of(System.getProperty("keyway.repo.dir", "../../..")).toAbsolutePath().normalize();
    }

    static LintResult lintStrict() {
        return new Helm(chartDir()).lint().strict().call();
    }

    /** {@code helm template kw <chart> -n keyway [-f profiles/<file>...] [--set k=v...]}, parsed. */
    static RenderedChart render(String... valuesFiles) {
        return render(Map.of(), valuesFiles);
    }

    static RenderedChart render(Map<String, Object> sets, String... valuesFiles) {
        return RenderedChart.parse(renderText(sets, valuesFiles));
    }

    static String renderText(Map<String, Object> sets, String... valuesFiles) {
        return renderText(RELEASE, sets, valuesFiles);
    }

    static String renderText(String release, Map<String, Object> sets, String... valuesFiles) {
        TemplateCommand template = new Helm(chartDir()).template().withName(release).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        for (String file : valuesFiles) {
            template = template.withValuesFile(resource(file));
        }
        for (var set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
        }
        return template.call();
    }

    /** A values file: "chart:examples/x.yaml" is a file of the chart's directory, anything else a test resource. */
    static Path resource(String name) {
        if (name.startsWith("chart:")) {
            Path path = chartDir().resolve(name.substring("chart:".length()));
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("no chart file " + path);
            }
            return path;
        }
        var url = KeywayChart.class.getClassLoader().getResource(name);
        if (url == null) {
            throw new IllegalArgumentException("no test resource " + name);
        }
        try {
            Path path = Path.of(url.toURI());
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("not a file: " + path);
            }
            return path;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
