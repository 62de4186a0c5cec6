package io.keyway.gateway.standin;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A STAND-IN for Google's OAuth 2.0 token endpoint (not the real one), on loopback: the service-account JWT bearer grant
 * ({@code POST /token}, form {@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>}), as
 * google-auth-library-java's {@code ServiceAccountCredentials} performs it against {@code https://oauth2.googleapis.com/token}.
 * <p>
 * It verifies the assertion as Google does: an RS256 signature by the key of the service account named in {@code iss}
 * ({@link #mint} creates such accounts and returns their key file), {@code aud} the token endpoint, a non-empty
 * {@code scope}, and {@code iat}/{@code exp} at most an hour apart around now. It answers
 * {@code {"access_token","expires_in","token_type":"Bearer"}} ({@code expires_in} settable, so a test can make tokens
 * expire at once) and refuses with Google's {@code 400 {"error":"invalid_grant","error_description":…}}.
 * <p>
 * Why the scope is only required here, not checked for cloud-platform: Google's token endpoint grants any scope; it is
 * Vertex that refuses a token lacking {@code cloud-platform} ({@link VertexStandIn} does, with Google's 403). The tokens
 * issued are remembered ({@link #grantOf}) so {@link VertexStandIn} can check what it is shown, and successful exchanges
 * are counted per service account ({@link #exchanges}).
 */
public final class GoogleTokenStandIn implements AutoCloseable {

    public static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    public static final String CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform";
    /** The audience google-auth-library puts in every assertion, whatever token_uri it posts to. */
    public static final String GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";

    /** A minted service account's key file. {@code toString} names the account only: the JSON holds a private key. */
    public record ServiceAccountKey(String projectId, String clientEmail, String privateKeyId, String json) {

        /** The key file with Keyway's optional {@code region} field (DESIGN §3) added. */
        public String jsonWithRegion(String region) {
            return new JsonObject(json).put("region", region).encodePrettily();
        }

        @Override
        public String toString() {
            return "ServiceAccountKey[" + clientEmail + ", key ****]";
        }
    }

    /** What an access token stands for. Holds no token, so it may be printed. */
    public record Grant(String clientEmail, String projectId, List<String> scopes, Instant expiresAt) {

        public boolean expired() {
            return !Instant.now().isBefore(expiresAt);
        }
    }

    private record Account(String projectId, String privateKeyId, PublicKey publicKey) {
    }

    private static final long CLOCK_SKEW_SECONDS = 300;
    private static final long MAX_LIFETIME_SECONDS = 3600;

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final String scheme;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();
    private final Map<String, Grant> grants = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> exchanges = new ConcurrentHashMap<>();
    private final AtomicInteger refusals = new AtomicInteger();
    private volatile int expiresInSeconds = 3599; // what Google answers for a fresh service-account token

    public GoogleTokenStandIn() throws Exception {
        this(null);
    }

    /**
     * Over HTTPS with {@code tls}'s certificate when not null: Keyway accepts only an https {@code token_uri}, so a key
     * file that goes through key-service or the gateway's credential parser must point at an HTTPS token endpoint.
     */
    public GoogleTokenStandIn(StandInTls tls) throws Exception {
        this.scheme = tls == null ? "http" : "https";
        HttpServerOptions options = tls == null ? new HttpServerOptions()
                : new HttpServerOptions().setSsl(true).setKeyCertOptions(tls.serverKeyCert());
        server = vertx.createHttpServer(options).requestHandler(this::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public int port() {
        return server.actualPort();
    }

    /** The token endpoint to put in a key file's {@code token_uri}. */
    public String tokenUri() {
        return scheme + "://127.0.0.1:" + port() + "/token";
    }

    /** The {@code expires_in} of tokens issued from now on (seconds). */
    public void expiresInSeconds(int seconds) {
        expiresInSeconds = seconds;
    }

    /**
     * A new service account of {@code projectId}: an RSA 2048 key pair whose public half the stand-in keeps, and the key
     * file Google's console would download for it, with {@code token_uri} pointing at this stand-in.
     */
    public ServiceAccountKey mint(String projectId) {
        KeyPair pair;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, random);
            pair = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA is not available", e);
        }
        String name = "standin-" + HexFormat.of().formatHex(randomBytes(4));
        String clientEmail = name + "@" + projectId + ".iam.gserviceaccount.com";
        String privateKeyId = HexFormat.of().formatHex(randomBytes(20));
        StringBuilder clientId = new StringBuilder("1");
        for (int i = 0; i < 20; i++) {
            clientId.append(random.nextInt(10));
        }
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        String json = new JsonObject()
                .put("type", "service_account")
                .put("project_id", projectId)
                .put("private_key_id", privateKeyId)
                .put("private_key", pem)
                .put("client_email", clientEmail)
                .put("client_id", clientId.toString())
                .put("auth_uri", "https://accounts.google.com/o/oauth2/auth")
                .put("token_uri", tokenUri())
                .put("auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs")
                .put("client_x509_cert_url", "https://www.googleapis.com/robot/v1/metadata/x509/"
                        + URLEncoder.encode(clientEmail, StandardCharsets.UTF_8))
                .put("universe_domain", "googleapis.com")
                .encodePrettily();
        accounts.put(clientEmail, new Account(projectId, privateKeyId, pair.getPublic()));
        return new ServiceAccountKey(projectId, clientEmail, privateKeyId, json);
    }

    /** Successful exchanges (tokens issued) for that service account. */
    public int exchanges(String clientEmail) {
        AtomicInteger count = exchanges.get(clientEmail);
        return count == null ? 0 : count.get();
    }

    /** Successful exchanges for all service accounts. */
    public int exchanges() {
        return exchanges.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Token requests answered with an error. */
    public int refusals() {
        return refusals.get();
    }

    /** What {@code accessToken} was issued for, if this stand-in issued it (expired or not). */
    public Optional<Grant> grantOf(String accessToken) {
        return Optional.ofNullable(accessToken == null ? null : grants.get(accessToken));
    }

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(buf -> {
            if (!req.path().equals("/token")) {
                req.response().setStatusCode(404).putHeader("Content-Type", "text/html; charset=UTF-8").end("Not Found");
                return;
            }
            if (req.method() != HttpMethod.POST) {
                req.response().setStatusCode(405).putHeader("Allow", "POST").end();
                return;
            }
            String contentType = String.valueOf(req.getHeader("Content-Type"));
            if (!contentType.startsWith("application/x-www-form-urlencoded")) {
                refuse(req, "invalid_request", "Invalid Content-Type: " + contentType);
                return;
            }
            Map<String, String> form;
            try {
                form = parseForm(buf.toString(StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) { // a malformed %-escape
                refuse(req, "invalid_request", "Invalid request body.");
                return;
            }
            String grantType = form.get("grant_type");
            if (grantType == null) {
                refuse(req, "unsupported_grant_type", "Invalid grant_type: ");
            } else if (!grantType.equals(JWT_BEARER)) {
                refuse(req, "unsupported_grant_type", "Invalid grant_type: " + grantType);
            } else if (form.get("assertion") == null) {
                refuse(req, "invalid_request", "Missing required parameter: assertion");
            } else {
                exchange(req, form.get("assertion"));
            }
        });
    }

    private void exchange(HttpServerRequest req, String assertion) {
        String[] parts = assertion.split("\\.", -1);
        JsonObject header;
        JsonObject claims;
        byte[] signature;
        try {
            if (parts.length != 3) {
                throw new IllegalArgumentException("not a compact JWS");
            }
            Base64.Decoder b64 = Base64.getUrlDecoder();
            header = new JsonObject(new String(b64.decode(parts[0]), StandardCharsets.UTF_8));
            claims = new JsonObject(new String(b64.decode(parts[1]), StandardCharsets.UTF_8));
            signature = b64.decode(parts[2]);
        } catch (RuntimeException e) {
            refuse(req, "invalid_grant", "Invalid JWT: the assertion is not a well-formed JWT.");
            return;
        }
        Account account = accounts.get(String.valueOf(claims.getValue("iss")));
        if (account == null) {
            refuse(req, "invalid_grant", "Invalid grant: account not found");
            return;
        }
        String kid = header.getString("kid");
        if (!"RS256".equals(header.getString("alg")) || (kid != null && !kid.equals(account.privateKeyId()))
                || !verifies(account.publicKey(), parts[0] + "." + parts[1], signature)) {
            refuse(req, "invalid_grant", "Invalid JWT Signature.");
            return;
        }
        Object aud = claims.getValue("aud");
        if (!GOOGLE_TOKEN_URI.equals(aud) && !tokenUri().equals(aud)) {
            refuse(req, "invalid_grant", "Invalid JWT: Failed audience check. The right audience is " + GOOGLE_TOKEN_URI);
            return;
        }
        long now = Instant.now().getEpochSecond();
        Long iat = claims.getValue("iat") instanceof Number n ? n.longValue() : null;
        Long exp = claims.getValue("exp") instanceof Number n ? n.longValue() : null;
        if (iat == null || exp == null || exp <= iat || exp - iat > MAX_LIFETIME_SECONDS
                || iat > now + CLOCK_SKEW_SECONDS || exp < now - CLOCK_SKEW_SECONDS) {
            refuse(req, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable"
                    + " timeframe. Check your iat and exp values in the JWT claim.");
            return;
        }
        String scope = claims.getString("scope", "").trim();
        if (scope.isEmpty()) {
            refuse(req, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
            return;
        }
        String clientEmail = claims.getString("iss");
        int expiresIn = expiresInSeconds;
        String accessToken = "ya29.c.standin-" + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(48));
        grants.put(accessToken, new Grant(clientEmail, account.projectId(), Arrays.asList(scope.split(" +")),
                Instant.now().plusSeconds(expiresIn)));
        exchanges.computeIfAbsent(clientEmail, e -> new AtomicInteger()).incrementAndGet();
        req.response().putHeader("Content-Type", "application/json; charset=utf-8").putHeader("Cache-Control", "no-store")
                .end(new JsonObject().put("access_token", accessToken).put("expires_in", expiresIn)
                        .put("token_type", "Bearer").encodePrettily());
    }

    private void refuse(HttpServerRequest req, String error, String description) {
        refusals.incrementAndGet();
        req.response().setStatusCode(400).putHeader("Content-Type", "application/json; charset=utf-8")
                .end(new JsonObject().put("error", error).put("error_description", description).encodePrettily());
    }

    private static boolean verifies(PublicKey key, String signedContent, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance("SHA256withRSA");
            verifier.initVerify(key);
            verifier.update(signedContent.getBytes(StandardCharsets.US_ASCII));
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static Map<String, String> parseForm(String body) {
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            form.putIfAbsent(name, value);
        }
        return form;
    }

    private byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
