package io.keyway.gateway.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The floor under the gateway's cost, for the benchmark only ({@code -Dbench.floor=true}): the least an HTTP relay on
 * the same stack (Vert.x and Netty's epoll transport, one upstream connection pool per event loop, same JVM flags) must
 * do per request — read the request, send it upstream, pass the answer back chunk by chunk as it comes — with no
 * authentication, routing, rewriting, accounting, metrics or usage events. Not a product part: whatever the gateway
 * costs above this is Keyway's own work; this much no Keyway code can remove.
 *
 * <p>{@code java … RelayFloor <port> <upstream port>}; prints {@code ready} when listening.
 */
public final class RelayFloor extends AbstractVerticle {

    private final int port;
    private final int upstreamPort;

    RelayFloor(int port, int upstreamPort) {
        this.port = port;
        this.upstreamPort = upstreamPort;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int upstreamPort = Integer.parseInt(args[1]);
        int loops = Math.max(2, Runtime.getRuntime().availableProcessors());
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(loops));
        vertx.deployVerticle(() -> new RelayFloor(port, upstreamPort), new DeploymentOptions().setInstances(loops))
                .onSuccess(id -> System.out.println("ready, native transport " + vertx.isNativeTransportEnabled()))
                .onFailure(t -> {
                    t.printStackTrace();
                    System.exit(1);
                });
    }

    @Override
    public void start() {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(1000));
        vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true)).requestHandler(req -> req.body()
                .compose(body -> client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                                .setPort(upstreamPort).setURI(req.uri())
                                .putHeader("Authorization", req.getHeader("Authorization"))
                                .putHeader("Content-Type", "application/json"))
                        .compose(up -> up.send(body)))
                .onSuccess(upstream -> {
                    var out = req.response().setStatusCode(upstream.statusCode());
                    String type = upstream.getHeader("Content-Type");
                    if (type != null) {
                        out.putHeader("Content-Type", type);
                    }
                    if (type == null || !type.startsWith("text/event-stream")) {
                        upstream.body().onSuccess(out::end);
                        return;
                    }
                    // As the gateway does: what one socket read brought is written once, after that read.
                    out.setChunked(true);
                    Buffer[] batch = {null};
                    upstream.handler(chunk -> {
                        if (batch[0] == null) {
                            batch[0] = Buffer.buffer(chunk.length() * 2);
                            vertx.runOnContext(v -> {
                                Buffer b = batch[0];
                                batch[0] = null;
                                if (b != null && !out.ended()) {
                                    out.write(b);
                                }
                            });
                        }
                        batch[0].appendBuffer(chunk);
                    });
                    upstream.endHandler(v -> {
                        Buffer b = batch[0];
                        batch[0] = null;
                        if (b != null) {
                            out.end(b);
                        } else {
                            out.end();
                        }
                    });
                })
                .onFailure(t -> req.response().setStatusCode(502).end()))
                .listen(port, "127.0.0.1");
    }
}
