import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The floor of any gateway on this machine: a bare HTTP relay in its own JVM (Vert.x core, no framework), started with
 * the gateway's JVM flags, that forwards each request as it came (method, path, body, content type, authorization) to
 * the mock upstream over pooled keep-alive connections and relays the answer back, streams event by event. It reads
 * nothing, checks nothing, bills nothing: what it adds to "direct" is what one more process in the chain costs here
 * (two more socket hops, two more wake-ups, one more JVM's GC and JIT), which no gateway can do without. Streams are
 * written once per upstream read, as the gateway writes them. The side-by-side
 * benchmark's {@code relay} target; Keyway's own share is then Keyway minus relay.
 *
 * Binds to 127.0.0.1 only.  Usage:  java -cp 'mock-lib/*:classes' Relay [port=9002] [upstreamPort=9001] [eventLoops=2]
 */
public class Relay extends AbstractVerticle {

    static final String HOST = "127.0.0.1";
    static int port = 9002;
    static int upstreamPort = 9001;

    private HttpClient client;

    @Override
    public void start(Promise<Void> started) {
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(512));
        vertx.createHttpServer(new HttpServerOptions().setHost(HOST).setPort(port).setTcpNoDelay(true))
             .requestHandler(this::relay).listen().<Void>mapEmpty().onComplete(started);
    }

    private void relay(HttpServerRequest in) {
        if (in.path().equals("/health")) {
            in.response().end("ok");
            return;
        }
        in.body().onFailure(t -> in.response().setStatusCode(400).end()).onSuccess(body -> {
            RequestOptions out = new RequestOptions().setMethod(in.method()).setHost(HOST).setPort(upstreamPort)
                    .setURI(in.uri());
            copy(in, out, "content-type");
            copy(in, out, "authorization");
            copy(in, out, "x-api-key");
            copy(in, out, "anthropic-version");
            client.request(out)
                  .compose(req -> req.send(body))
                  .onFailure(t -> in.response().setStatusCode(502).end())
                  .onSuccess(up -> {
                      var resp = in.response().setStatusCode(up.statusCode());
                      String type = up.getHeader("content-type");
                      if (type != null) resp.putHeader("content-type", type);
                      String length = up.getHeader("content-length");
                      if (length != null) resp.putHeader("content-length", length); else resp.setChunked(true);
                      if (length != null) {
                          up.pipeTo(resp);
                      } else {
                          relayBatched(up, resp);
                      }
                  });
        });
    }

    /**
     * A stream, one write per upstream read (as the gateway writes it): the chunks Vert.x hands over from one read
     * are gathered and written in a task queued behind that read, not one write (and one system call) per event.
     */
    private void relayBatched(HttpClientResponse up, HttpServerResponse resp) {
        Buffer[] pending = new Buffer[1];
        up.handler(chunk -> {
            if (pending[0] == null) {
                pending[0] = Buffer.buffer();
                context.runOnContext(v -> {
                    if (pending[0] != null) {
                        resp.write(pending[0]);
                        pending[0] = null;
                    }
                });
            }
            pending[0].appendBuffer(chunk);
        });
        up.endHandler(v -> {
            if (pending[0] != null) {
                resp.end(pending[0]);
                pending[0] = null;
            } else {
                resp.end();
            }
        });
        up.exceptionHandler(t -> resp.reset());
    }

    private static void copy(HttpServerRequest in, RequestOptions out, String name) {
        String v = in.getHeader(name);
        if (v != null) out.putHeader(name, v);
    }

    public static void main(String[] args) {
        if (args.length > 0) port = Integer.parseInt(args[0]);
        if (args.length > 1) upstreamPort = Integer.parseInt(args[1]);
        int loops = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        vertx.deployVerticle(Relay.class.getName(), new DeploymentOptions().setInstances(loops))
             .onSuccess(id -> System.out.println("relay listening on http://" + HOST + ":" + port + " -> :" + upstreamPort
                     + " (" + loops + " event loops)"))
             .onFailure(t -> { t.printStackTrace(); System.exit(1); });
    }
}
