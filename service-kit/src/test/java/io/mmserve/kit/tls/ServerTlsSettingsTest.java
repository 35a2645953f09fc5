package io.mmserve.kit.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad TLS settings stop a service at start with a message naming the setting and the file. */
class ServerTlsSettingsTest {
  @TempDir Path dir;
  private TestPki pki;
  private TestPki.Identity server;
  private TestPki.Identity other;

  @BeforeEach
  void makeCertificates() {
    pki = new TestPki(dir, Clock.systemUTC(), "test");
    server = pki.issue("server", TestPki.LOOPBACK);
    other = pki.issue("other", TestPki.LOOPBACK);
  }

  @Test
  void unset_isPlaintext() {
    assertEquals(Optional.empty(), ServerTlsSettings.from(config(Map.of())));
  }

  @Test
  void certificateKeyAndClientCa_areRead() {
    ServerTlsSettings settings =
        ServerTlsSettings.from(
                config(
                    Map.of(
                        "tls.cert-file", server.certFile().toString(),
                        "tls.key-file", server.keyFile().toString(),
                        "tls.client-ca-file", pki.caFile.toString(),
                        "tls.refresh-interval", "5s")))
            .orElseThrow();

    assertEquals(server.certFile(), settings.certFile());
    assertEquals(Optional.of(pki.caFile), settings.clientCaFile());
    assertEquals(Duration.ofSeconds(5), settings.refreshInterval());
    assertTrue(settings.mutual());
  }

  @Test
  void missingFile_namesTheSettingAndTheFile() {
    Path missing = dir.resolve("nope.crt");

    assertEquals(
        "tls.cert-file " + missing + " does not exist",
        refusal(
            Map.of(
                "tls.cert-file", missing.toString(), "tls.key-file", server.keyFile().toString())));
  }

  @Test
  void keyOfAnotherCertificate_isRefused() {
    assertEquals(
        "tls.key-file "
            + other.keyFile()
            + " is not the private key of the certificate in tls.cert-file "
            + server.certFile()
            + " (CN=server)",
        refusal(
            Map.of(
                "tls.cert-file", server.certFile().toString(),
                "tls.key-file", other.keyFile().toString())));
  }

  @Test
  void fileWithoutPem_isRefused() throws IOException {
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");

    assertEquals(
        "tls.cert-file " + garbage + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        refusal(
            Map.of(
                "tls.cert-file", garbage.toString(), "tls.key-file", server.keyFile().toString())));
    assertEquals(
        "tls.key-file "
            + garbage
            + " is not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)",
        refusal(
            Map.of(
                "tls.cert-file",
                server.certFile().toString(),
                "tls.key-file",
                garbage.toString())));
    assertEquals(
        "tls.client-ca-file " + garbage + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        refusal(
            Map.of(
                "tls.cert-file", server.certFile().toString(),
                "tls.key-file", server.keyFile().toString(),
                "tls.client-ca-file", garbage.toString())));
  }

  @Test
  void certificateWithoutKey_orClientCaAlone_isRefused() {
    assertEquals(
        "tls.key-file must be set when tls.cert-file is, but was empty",
        refusal(Map.of("tls.cert-file", server.certFile().toString())));
    assertEquals(
        "tls.client-ca-file needs tls.cert-file and tls.key-file (mutual TLS is TLS)",
        refusal(Map.of("tls.client-ca-file", pki.caFile.toString())));
  }

  @Test
  void clientSettings_readUnderTheirPrefix() {
    ClientTlsSettings settings =
        ClientTlsSettings.from(
                config(
                    Map.of(
                        "backend.tls.ca-file", pki.caFile.toString(),
                        "backend.tls.cert-file", server.certFile().toString(),
                        "backend.tls.key-file", server.keyFile().toString())),
                "backend.tls")
            .orElseThrow();

    assertEquals(pki.caFile, settings.caFile());
    assertEquals(Optional.of(server.keyFile()), settings.keyFile());
    assertEquals(
        "backend.tls.ca-file must be set when a client certificate is, but was empty",
        assertThrows(
                ConfigException.class,
                () ->
                    ClientTlsSettings.from(
                        config(
                            Map.of(
                                "backend.tls.cert-file", server.certFile().toString(),
                                "backend.tls.key-file", server.keyFile().toString())),
                        "backend.tls"))
            .getMessage());
  }

  private String refusal(Map<String, String> values) {
    return assertThrows(ConfigException.class, () -> ServerTlsSettings.from(config(values)))
        .getMessage();
  }

  private static Config config(Map<String, String> values) {
    Map<String, String> all = new HashMap<>(ServerTlsSettings.defaults());
    all.putAll(ClientTlsSettings.defaults("backend.tls"));
    all.putAll(values);
    return Config.of(all);
  }
}
