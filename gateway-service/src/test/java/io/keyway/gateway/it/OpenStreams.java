package io.keyway.gateway.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Streamed chat requests held open on raw sockets, so that a test decides when each one ends: read to its end, or
 * closed by the client mid-way.
 */
final class OpenStreams {

    private OpenStreams() {
    }

    /** Sends a streamed request for {@code model} on {@code provider} and returns once its first event arrived. */
    static Socket open(Seed.ApiKey key, String model, String provider) throws Exception {
        URI gateway = URI.create(KeywayServices.gatewayUrl);
        String body = "{\"model\":\"" + model + "\",\"stream\":true,\"provider\":{\"only\":[\"" + provider + "\"]},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(gateway.getHost(), gateway.getPort()), 5000);
        socket.setSoTimeout(15000);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /api/v1/chat/completions HTTP/1.1\r\nHost: " + gateway.getHost() + "\r\n"
                + "Authorization: Bearer " + key.key() + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        String seen = readUntil(socket, "data: ");
        assertTrue(seen.startsWith("HTTP/1.1 200"), seen);
        return socket;
    }

    /** Reads the stream to its {@code [DONE]} event. */
    static void readToEnd(Socket socket) throws Exception {
        readUntil(socket, "data: [DONE]");
    }

    private static String readUntil(Socket socket, String marker) throws Exception {
        InputStream in = socket.getInputStream();
        StringBuilder seen = new StringBuilder();
        byte[] buf = new byte[512];
        while (!seen.toString().contains(marker)) {
            int n = in.read(buf);
            if (n < 0) {
                throw new AssertionError("the gateway closed the stream before '" + marker + "': " + seen);
            }
            seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        return seen.toString();
    }
}
