package io.keyway.contracts.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Tenant URLs never lead into the operator's own networks unless the operator allows the range (issue 18). */
class TenantNetworksTests {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.9.9.9", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
            "169.254.169.254", "100.64.0.1", "100.127.255.255", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::",
            "fe80::1", "fc00::1", "fd12:3456::1", "::ffff:10.0.0.1", "::ffff:169.254.169.254"})
    void loopbackLinkLocalPrivateCgnatUnspecifiedAndMulticastAddressesAreInternal(String ip) throws Exception {
        assertTrue(TenantNetworks.isInternal(InetAddress.getByName(ip)), ip);
        assertFalse(TenantNetworks.PUBLIC_ONLY.permits(InetAddress.getByName(ip)), ip);
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "20.30.40.50", "172.32.0.1", "100.128.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"})
    void publicAddressesAreAlwaysPermitted(String ip) throws Exception {
        assertFalse(TenantNetworks.isInternal(InetAddress.getByName(ip)), ip);
        assertTrue(TenantNetworks.PUBLIC_ONLY.permits(InetAddress.getByName(ip)), ip);
    }

    @Test
    void anAllowedRangePermitsItsOwnInternalAddressesOnly() throws Exception {
        TenantNetworks allowing = TenantNetworks.allowing(List.of("10.20.0.0/16", " fd00::/8 ", "127.0.0.1"));
        assertTrue(allowing.permits(InetAddress.getByName("10.20.3.4")));
        assertFalse(allowing.permits(InetAddress.getByName("10.21.0.1")));
        assertTrue(allowing.permits(InetAddress.getByName("fd00::7")));
        assertTrue(allowing.permits(InetAddress.getByName("127.0.0.1")));
        assertFalse(allowing.permits(InetAddress.getByName("127.0.0.2")));
        assertFalse(allowing.permits(InetAddress.getByName("169.254.169.254")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "example.com/8", "10.0.0.0/x", "::1/129", "10.0.0/8"})
    void anAllowedNetworkThatIsNotACidrIsRefusedNamingIt(String entry) {
        var e = assertThrows(IllegalArgumentException.class, () -> TenantNetworks.allowing(List.of(entry)));
        assertTrue(e.getMessage().contains(entry.strip()), e.getMessage());
    }

    @Test
    void urlsAreCheckedWithoutALookupForLiteralsAndLocalhostNamesOnly() {
        assertEquals(TenantNetworks.REFUSAL, TenantNetworks.PUBLIC_ONLY.refusalWithoutLookup(URI.create("https://127.0.0.1:9/x")));
        assertEquals(TenantNetworks.REFUSAL, TenantNetworks.PUBLIC_ONLY.refusalWithoutLookup(URI.create("https://[::1]/x")));
        assertEquals(TenantNetworks.REFUSAL, TenantNetworks.PUBLIC_ONLY.refusalWithoutLookup(URI.create("https://LOCALHOST./x")));
        assertEquals(TenantNetworks.REFUSAL, TenantNetworks.PUBLIC_ONLY.refusalWithoutLookup(URI.create("https://a.localhost/x")));
        assertNull(TenantNetworks.PUBLIC_ONLY.refusalWithoutLookup(URI.create("https://r.openai.azure.com/x")));
        assertNull(TenantNetworks.PUBLIC_ONLY.refusalWithoutLookup(URI.create("https://20.30.40.50/x")));
    }
}
