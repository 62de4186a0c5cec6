package io.keyway.gateway.provider.bedrock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.credentials.BedrockCredential;
import io.keyway.gateway.model.ProviderSpec;
import io.keyway.gateway.provider.ProviderAdapter;
import io.keyway.gateway.provider.UpstreamCall;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamHttp;
import io.keyway.gateway.provider.UpstreamHttp.Target;
import io.keyway.gateway.provider.UpstreamRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;
import jakarta.inject.Singleton;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * Amazon Bedrock Runtime's Converse API: {@code POST <endpoint>/model/{modelId}/converse} (or
 * {@code /converse-stream}), the endpoint being {@code https://bedrock-runtime.{region}.amazonaws.com} unless the
 * catalog's {@code endpoint} option overrides it. A Bedrock API key is sent as a bearer token and, carrying no region
 * of its own, is used in the catalog's {@code region} (default {@value #DEFAULT_REGION}); access keys are signed with
 * SigV4 (service {@code bedrock}) in their own region by the AWS SDK's signer, over exactly the bytes sent. The request
 * is translated by {@link ConverseRequest}, the answer by {@link ConverseAnswers}.
 */
@Singleton
public class BedrockAdapter implements ProviderAdapter {

    public static final String NAME = "amazon-bedrock";
    static final String DEFAULT_REGION = "us-east-1";
    static final String SERVICE = "bedrock";

    /** An AWS region: it becomes part of a host name, so nothing else. */
    private static final Pattern AWS_REGION = Pattern.compile("^[a-z]{2}(-[a-z]+)+-\\d+$");
    private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();
    private static final CharSequence AUTHORIZATION = HttpHeaders.createOptimized("Authorization");
    private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("application/vnd.amazon.eventstream");

    private final UpstreamHttp http;
    private final ObjectMapper json;
    private final ConverseAnswers answers;
    private final Map<String, Target> targets = new ConcurrentHashMap<>();

    public BedrockAdapter(UpstreamHttp http, ObjectMapper json) {
        this.http = http;
        this.json = json;
        this.answers = new ConverseAnswers(json);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** No base_url: the endpoint follows the region; {@code region} and {@code endpoint}, when set, must be sound. */
    @Override
    public String check(ProviderSpec provider) {
        String region = provider.option("region", DEFAULT_REGION);
        if (!AWS_REGION.matcher(region).matches()) {
            return "option region must be an AWS region such as us-east-1";
        }
        String endpoint = provider.option("endpoint", null);
        if (endpoint != null) {
            try {
                URI uri = URI.create(endpoint);
                if (uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
                    return "option endpoint must be an http(s) URL";
                }
            } catch (IllegalArgumentException e) {
                return "option endpoint must be an http(s) URL";
            }
        }
        return null;
    }

    /**
     * Where the calls of this credential go: the catalog's {@code endpoint}, else Bedrock Runtime in the credential's
     * region (access keys) or the catalog's {@code region} (an API key).
     */
    static String endpointUrl(ProviderSpec provider, BedrockCredential credential) {
        String endpoint = provider.option("endpoint", null);
        if (endpoint != null) {
            return endpoint.replaceAll("/+$", "");
        }
        String region = credential.isApiKey() ? provider.option("region", DEFAULT_REGION) : credential.region();
        return "https://bedrock-runtime." + region + ".amazonaws.com";
    }

    @Override
    public UpstreamCall call(UpstreamRequest request) {
        BedrockCredential credential = (BedrockCredential) request.credential();
        String modelId = request.endpoint().upstreamModel();
        byte[] body;
        try {
            body = json.writeValueAsBytes(ConverseRequest.of(request.body(), modelId,
                    request.endpoint().maxCompletionTokens(), json));
        } catch (UpstreamError e) {
            return UpstreamCall.failed(e);
        } catch (JsonProcessingException e) {
            return UpstreamCall.failed(new IllegalStateException("cannot write the upstream request", e));
        }
        Target base = targets.computeIfAbsent(endpointUrl(request.provider(), credential), Target::of);
        String path = "/model/" + pathSegment(modelId) + (request.stream() ? "/converse-stream" : "/converse");
        Target target = base.withUri(path);
        RequestOptions options = http.post(target, request);
        if (request.stream()) {
            options.putHeader(UpstreamHttp.ACCEPT, EVENT_STREAM);
        }
        if (credential.isApiKey()) {
            options.putHeader(AUTHORIZATION, "Bearer " + credential.apiKey());
        } else {
            sign(options, target, body, credential);
        }
        var exchange = http.send(request, options, Buffer.buffer(body));
        return new UpstreamCall(exchange.head().compose(head -> answers.answer(head, request.stream())),
                exchange.cancel());
    }

    /**
     * SigV4 by the AWS SDK's signer over what is sent: the Host header as the client writes it, the content type, the
     * body; the signer adds {@code X-Amz-Date} (and the session token), and every header it returns is sent.
     */
    private static void sign(RequestOptions options, Target target, byte[] body, BedrockCredential credential) {
        String host = target.port() == (target.ssl() ? 443 : 80) ? target.host() : target.host() + ":" + target.port();
        SdkHttpRequest unsigned = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .protocol(target.ssl() ? "https" : "http")
                .host(target.host())
                .port(target.port())
                .encodedPath(target.uri())
                .putHeader("Host", host)
                .putHeader("Content-Type", "application/json")
                .build();
        AwsCredentialsIdentity identity = credential.sessionToken() == null
                ? AwsCredentialsIdentity.create(credential.accessKeyId(), credential.secretAccessKey())
                : AwsSessionCredentialsIdentity.create(credential.accessKeyId(), credential.secretAccessKey(),
                        credential.sessionToken());
        SdkHttpRequest signed = SIGNER.sign(r -> r
                        .identity(identity)
                        .request(unsigned)
                        .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                        .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                        .putProperty(AwsV4HttpSigner.REGION_NAME, credential.region()))
                .request();
        signed.forEachHeader((name, values) -> options.putHeader(name, values.get(0)));
    }

    /** A model id (or ARN) as one URL path segment: everything but RFC 3986's unreserved characters escaped. */
    static String pathSegment(String modelId) {
        StringBuilder out = new StringBuilder(modelId.length() + 16);
        for (byte b : modelId.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
