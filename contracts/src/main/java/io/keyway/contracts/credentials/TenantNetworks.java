package io.keyway.contracts.credentials;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a URL taken from a tenant (an Azure deployment's {@code endpoint_url}, a Vertex key's {@code token_uri}) may
 * lead: never into the operator's own networks — loopback, link-local (cloud metadata at 169.254.169.254), private
 * (RFC 1918, IPv6 unique local), carrier-grade NAT, unspecified or multicast addresses — unless the operator lists the
 * range as allowed (a private Azure endpoint, a test's stand-in on loopback). Key-service refuses such URLs when a key
 * is stored (IP literals and {@code localhost} names, without a DNS lookup); the gateway checks every address a name
 * resolves to, each time it resolves it, and connects only to a checked address.
 */
public final class TenantNetworks {

    /** A network in CIDR notation, e.g. {@code 10.20.0.0/16} or {@code fd00::/8}. */
    private record Cidr(byte[] network, int prefix) {

        boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (a[full] & mask) == (network[full] & mask);
        }
    }

    /** No range allowed: the default. */
    public static final TenantNetworks PUBLIC_ONLY = new TenantNetworks(List.of());

    private final List<Cidr> allowed;

    private TenantNetworks(List<Cidr> allowed) {
        this.allowed = List.copyOf(allowed);
    }

    /**
     * The policy allowing these internal ranges (CIDR notation, IP literals only); an entry that is not a CIDR
     * throws {@link IllegalArgumentException} naming it, for the operator's setting to fail at start.
     */
    public static TenantNetworks allowing(List<String> cidrs) {
        List<Cidr> parsed = new ArrayList<>();
        for (String entry : cidrs) {
            String s = entry.strip();
            if (s.isEmpty()) {
                continue;
            }
            int slash = s.indexOf('/');
            String ip = slash < 0 ? s : s.substring(0, slash);
            byte[] network = literal(ip);
            if (network == null) {
                throw new IllegalArgumentException("'" + s + "' is not a network in CIDR notation (e.g. 10.0.0.0/8)");
            }
            int prefix;
            try {
                prefix = slash < 0 ? network.length * 8 : Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > network.length * 8) {
                throw new IllegalArgumentException("'" + s + "' has no valid prefix length");
            }
            parsed.add(new Cidr(network, prefix));
        }
        return new TenantNetworks(parsed);
    }

    /** Is this address one of the operator's own (loopback, link-local, private, CGNAT, unspecified, multicast)? */
    public static boolean isInternal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] a = address.getAddress();
        if (a.length == 4) {
            int first = a[0] & 0xFF;
            int second = a[1] & 0xFF;
            return first == 0 // "this network"
                    || (first == 100 && second >= 64 && second <= 127) // carrier-grade NAT, 100.64.0.0/10
                    || (first == 192 && second == 0 && (a[2] & 0xFF) == 0) // IETF protocol assignments
                    || first >= 240; // reserved and broadcast
        }
        if ((a[0] & 0xFE) == 0xFC) { // unique local fc00::/7
            return true;
        }
        // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) forms of an internal IPv4 address
        boolean zeros = true;
        for (int i = 0; i < 10; i++) {
            zeros &= a[i] == 0;
        }
        if (zeros && ((a[10] == (byte) 0xFF && a[11] == (byte) 0xFF) || (a[10] == 0 && a[11] == 0))) {
            try {
                return isInternal(InetAddress.getByAddress(new byte[] {a[12], a[13], a[14], a[15]}));
            } catch (UnknownHostException e) {
                return true;
            }
        }
        return false;
    }

    /** May a connection go to this address: public, or in a range the operator allows? */
    public boolean permits(InetAddress address) {
        if (!isInternal(address)) {
            return true;
        }
        for (Cidr c : allowed) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Why a URL's host is refused without a DNS lookup (an internal IP literal, or a {@code localhost} name, that no
     * allowed range covers), or null when it may be stored; the gateway checks resolved names at connect time.
     */
    public String refusalWithoutLookup(URI url) {
        String host = url.getHost();
        if (host == null) {
            return "has no host";
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        byte[] literal = literal(h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h);
        InetAddress address;
        try {
            if (literal != null) {
                address = InetAddress.getByAddress(literal);
            } else if (h.equals("localhost") || h.endsWith(".localhost")) {
                address = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
            } else {
                return null;
            }
        } catch (UnknownHostException e) {
            return "has no valid host";
        }
        return permits(address) ? null : REFUSAL;
    }

    /** The words of a refusal, the same in key-service's 400 and the gateway's attempt error. */
    public static final String REFUSAL = "must not lead to a loopback, link-local or private address"
            + " (the operator may allow internal networks with keyway.tenant-urls.allowed-networks)";

    /** The bytes of an IPv4 or IPv6 literal, or null when the text is not one (never a DNS lookup). */
    static byte[] literal(String s) {
        if (s.isEmpty()) {
            return null;
        }
        if (s.indexOf(':') >= 0) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                    return null; // zone ids and anything else: not a literal we accept
                }
            }
        } else {
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                return null;
            }
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                    return null;
                }
            }
        }
        try {
            return InetAddress.getByName(s).getAddress(); // a literal: no lookup happens
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
