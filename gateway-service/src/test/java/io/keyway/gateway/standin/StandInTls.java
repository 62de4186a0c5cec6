package io.keyway.gateway.standin;

import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.KeyStoreOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A self-signed certificate for HTTPS stand-ins on loopback, made at test time, with what a client needs to trust it.
 * Its subject alternative names are {@code IP:127.0.0.1} and {@code DNS:localhost}, so clients keep hostname
 * verification on. It is made by the JDK's own {@code keytool}: Netty's generator (behind Vert.x's
 * {@code SelfSignedCertificate}) needs BouncyCastle's PKIX jar or JDK internals that Java 17 no longer opens, and
 * puts no IP address in the certificate. One certificate serves the whole test JVM; the key store's password is
 * random and never printed.
 */
public final class StandInTls {

    private static StandInTls loopback;

    private final Path keyStore;
    private final Path certificatePem;
    private final String password;
    private final X509Certificate certificate;
    private final X509TrustManager trustManager;
    private final SSLContext clientContext;

    /** The certificate for 127.0.0.1 and localhost, made on first use (keytool takes about a second). */
    public static synchronized StandInTls loopback() {
        if (loopback == null) {
            try {
                loopback = new StandInTls();
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("could not make the stand-in's certificate", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while making the stand-in's certificate", e);
            }
        }
        return loopback;
    }

    private StandInTls() throws IOException, GeneralSecurityException, InterruptedException {
        Path dir = Files.createTempDirectory("standin-tls");
        dir.toFile().deleteOnExit();
        keyStore = dir.resolve("standin.p12");
        certificatePem = dir.resolve("standin-cert.pem");
        password = UUID.randomUUID().toString();
        runKeytool();
        keyStore.toFile().deleteOnExit();

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, password.toCharArray());
        }
        certificate = (X509Certificate) store.getCertificate("standin");
        Files.writeString(certificatePem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n", StandardCharsets.US_ASCII);
        certificatePem.toFile().deleteOnExit();

        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        trusted.setCertificateEntry("standin", certificate);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trusted);
        trustManager = (X509TrustManager) factory.getTrustManagers()[0];
        clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, new javax.net.ssl.TrustManager[] {trustManager}, null);
    }

    private void runKeytool() throws IOException, InterruptedException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        ProcessBuilder keytoolRun = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "standin",
                "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=localhost, O=Keyway stand-in", "-ext", "SAN=IP:127.0.0.1,DNS:localhost",
                "-validity", "7", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass:env", "STANDIN_STOREPASS", "-keypass:env", "STANDIN_STOREPASS", "-noprompt"))
                .redirectErrorStream(true);
        keytoolRun.environment().put("STANDIN_STOREPASS", password); // not on the command line, where ps would show it
        Process process = keytoolRun.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
    }

    /** The certificate, PEM-encoded, in a temporary file: for clients configured with a CA file. */
    public Path certificatePemPath() {
        return certificatePem;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Trusts this certificate and nothing else. */
    public X509TrustManager trustManager() {
        return trustManager;
    }

    /** A client TLS context that trusts this certificate (for java.net.http.HttpClient). */
    public SSLContext clientSslContext() {
        return clientContext;
    }

    /** With {@link #trustManager()}, for OkHttp-based clients such as the OpenAI Java SDK. */
    public SSLSocketFactory sslSocketFactory() {
        return clientContext.getSocketFactory();
    }

    /** The certificate and its private key, for a Vert.x HTTPS server. */
    public KeyCertOptions serverKeyCert() {
        return new KeyStoreOptions().setType("PKCS12").setPath(keyStore.toString()).setPassword(password);
    }

    /** Trust in this certificate for a Vert.x client (HttpClientOptions/WebClientOptions.setTrustOptions). */
    public TrustOptions vertxTrustOptions() {
        return new PemTrustOptions().addCertPath(certificatePem.toString());
    }

    @Override
    public String toString() {
        return "StandInTls[" + certificate.getSubjectX500Principal() + ", password=****]";
    }
}
