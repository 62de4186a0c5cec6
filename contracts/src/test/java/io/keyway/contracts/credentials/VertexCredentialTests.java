package io.keyway.contracts.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class VertexCredentialTests {

    final String pem = FakeSecrets.pem();
    /** A service-account document without its closing brace, so that tests add or break fields. */
    final String fields = "{\"type\":\"service_account\",\"project_id\":\"keyway-test\",\"private_key_id\":\"abcd1234\","
            + "\"private_key\":\"" + pem.replace("\n", "\\n") + "\",\"client_email\":\"svc@keyway-test.iam.gserviceaccount.com\"";
    final String body = pem.split("\n")[1];

    VertexCredential parse(String secret) {
        return (VertexCredential) ProviderCredential.parse(CredentialFormat.VERTEX, secret);
    }

    String rejected(String secret) {
        return FakeSecrets.rejected(CredentialFormat.VERTEX, secret, body).getMessage();
    }

    @Test
    void aServiceAccountDocumentWithoutRegionOrTokenUriGetsGlobalAndGooglesTokenEndpoint() {
        var credential = parse(fields + "}");
        assertEquals(new VertexCredential("keyway-test", "svc@keyway-test.iam.gserviceaccount.com", "abcd1234",
                "https://oauth2.googleapis.com/token", "global", fields + "}"), credential);
        assertEquals(pem, credential.privateKey());
    }

    @Test
    void aRegionAndATokenUriInTheDocumentAreKept() {
        var credential = parse(fields + ",\"region\":\"us-central1\",\"token_uri\":\"https://oauth2.example.test/token\"}");
        assertEquals("us-central1", credential.region());
        assertEquals("https://oauth2.example.test/token", credential.tokenUri());
    }

    @Test
    void everyRequiredFieldIsNamed() {
        assertEquals("key.type must be \"service_account\"", rejected(fields.replace("service_account", "authorized_user") + "}"));
        assertEquals("key.project_id is required", rejected(fields.replace("\"project_id\":\"keyway-test\",", "") + "}"));
        assertEquals("key.client_email must be an e-mail address", rejected(fields.replace("svc@", "svc.") + "}"));
        assertEquals("key.private_key is required", rejected(fields.replaceAll("\"private_key\":\"[^\"]*\",", "") + "}"));
        assertEquals("key must be a Google service-account JSON object (the JSON could not be parsed)", rejected("ya29.token"));
        assertEquals("key must be a Google service-account JSON object", rejected("[" + fields + "}]"));
    }

    @Test
    void thePrivateKeyIsAPkcs8RsaPemAsGoogleAuthLibraryReadsIt() {
        assertEquals("key.private_key must be a PEM private key (-----BEGIN PRIVATE KEY-----)",
                rejected(fields.replaceAll("-----[A-Z ]+-----", "x") + "}"));
        assertEquals("key.private_key must be a PEM private key (-----BEGIN PRIVATE KEY-----)",
                rejected(fields.replace("BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY").replace("END PRIVATE KEY", "END RSA PRIVATE KEY") + "}"));
        String damaged = body.substring(0, 20) + "AAAA" + body.substring(24);
        assertEquals("key.private_key must be a PKCS#8 RSA private key", rejected(fields.replace(body, damaged) + "}"));
    }

    @Test
    void theRegionProjectAndTokenUriCannotRedirectRequestsElsewhere() {
        assertEquals("key.region must be a Google Cloud region such as us-central1, or global",
                rejected(fields + ",\"region\":\"evil.example/x\"}"));
        assertEquals("key.project_id must be a Google Cloud project id", rejected(fields.replace("keyway-test\",", "a/../b\",") + "}"));
        assertEquals("key.token_uri must be an https URL", rejected(fields + ",\"token_uri\":\"http://oauth2.googleapis.com/token\"}"));
    }

    @Test
    void toStringMasksTheDocumentAndSecretPartsHoldThePrivateKeyAndTheDocument() {
        var credential = parse(fields + "}");
        String text = credential.toString();
        assertFalse(text.contains(body), text);
        assertTrue(text.endsWith("serviceAccountJson=****]"), text);
        assertEquals(List.of(pem, fields + "}"), credential.secretParts());
    }
}
