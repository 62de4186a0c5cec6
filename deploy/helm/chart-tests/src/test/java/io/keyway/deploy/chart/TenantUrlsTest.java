package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.RenderedChart.Component.BILLING;
import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static io.keyway.deploy.chart.RenderedChart.Component.KEY_SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * tenantUrls.allowedNetworks: by default URLs in tenants' keys reach public addresses only (no setting rendered); the
 * networks an operator lists reach key-service and the gateway, the two services that check such URLs, as the one
 * setting both read.
 */
class TenantUrlsTest {

    private static final String ENV = "KEYWAY_TENANT_URLS_ALLOWED_NETWORKS";

    @Test
    void byDefaultTenantUrlsLeadToPublicAddressesOnly() {
        var chart = KeywayChart.render();
        for (var c : RenderedChart.Component.values()) {
            assertFalse(chart.configEnv(c).containsKey(ENV), c::toString);
        }
    }

    @Test
    void allowedNetworksReachKeyServiceAndTheGatewayAsOneCommaSeparatedSetting() {
        var chart = KeywayChart.render(Map.of("tenantUrls.allowedNetworks[0]", "10.42.0.0/16",
                "tenantUrls.allowedNetworks[1]", "fd00::/8"));
        assertEquals("10.42.0.0/16,fd00::/8", chart.configEnv(GATEWAY).get(ENV));
        assertEquals("10.42.0.0/16,fd00::/8", chart.configEnv(KEY_SERVICE).get(ENV));
        assertFalse(chart.configEnv(BILLING).containsKey(ENV), "billing reads no tenant URL");
    }

    @Test
    void anAllowedNetworkThatIsNotAnAddressStopsTheInstall() {
        String message = assertThrows(IllegalStateException.class, () -> KeywayChart.renderText(
                Map.of("tenantUrls.allowedNetworks[0]", "internal.example.com"))).getMessage();
        assertTrue(message.contains("allowedNetworks"), message);
    }
}
