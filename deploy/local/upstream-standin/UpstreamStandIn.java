// A STAND-IN for an upstream LLM provider, for trying Keyway locally: NOT a real model.
// Speaks OpenAI's Chat Completions API (JSON and SSE with usage) on 127.0.0.1 and echoes the last user message.
// Run: java deploy/local/upstream-standin/UpstreamStandIn.java [port]   (default 8090; JDK 17, no dependencies)
// The default catalog's provider "local-standin" (model "keyway/standin-echo") points here.

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class UpstreamStandIn {

    static final Pattern MODEL = Pattern.compile("\"model\"\\s*:\\s*\"([^\"]*)\"");
    static final Pattern CONTENT = Pattern.compile("\"content\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    static final Pattern STREAM = Pattern.compile("\"stream\"\\s*:\\s*true");

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/v1/chat/completions", UpstreamStandIn::complete);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        System.out.println("upstream stand-in (not a real provider) on http://127.0.0.1:" + port + "/v1");
    }

    static void complete(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (!"POST".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(405, -1);
            return;
        }
        Matcher m = MODEL.matcher(body);
        String model = m.find() ? m.group(1) : "standin-echo";
        String last = "";
        Matcher c = CONTENT.matcher(body);
        while (c.find()) {
            last = c.group(1);
        }
        String reply = "Echo from the Keyway stand-in: " + last;
        int promptTokens = Math.max(1, body.length() / 4);
        int completionTokens = Math.max(1, reply.length() / 4);
        String usage = "{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + completionTokens
                + ",\"total_tokens\":" + (promptTokens + completionTokens) + "}";
        long created = System.currentTimeMillis() / 1000;
        if (STREAM.matcher(body).find()) {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (String word : reply.split("(?<= )")) {
                    send(out, "{\"id\":\"chatcmpl-standin\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                            + ",\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                            + word + "\"},\"finish_reason\":null}]}");
                }
                send(out, "{\"id\":\"chatcmpl-standin\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                        + ",\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
                send(out, "{\"id\":\"chatcmpl-standin\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                        + ",\"model\":\"" + model + "\",\"choices\":[],\"usage\":" + usage + "}");
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
        byte[] json = ("{\"id\":\"chatcmpl-standin\",\"object\":\"chat.completion\",\"created\":" + created
                + ",\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
                + reply + "\"},\"finish_reason\":\"stop\"}],\"usage\":" + usage + "}").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, json.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(json);
        }
    }

    static void send(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
