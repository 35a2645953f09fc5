package io.mmserve.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.gateway.GatewayConfig;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.tls.CertificateAuthority;
import io.mmserve.kit.tls.ServerIdentity;
import io.mmserve.kit.tls.ServerTlsSettings;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's HTTP port with {@code tls.cert-file}: a real Armeria server on loopback serving
 * HTTPS with certificates made in the test, called by the JDK's HTTP client.
 */
class HttpsGatewayTest {
  private static final Duration VALIDITY = Duration.ofDays(1);
  private static final List<String> LOOPBACK = List.of("localhost", "127.0.0.1");
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dir;

  private CertificateAuthority ca;
  private Path caFile;
  private Path certFile;
  private Path keyFile;
  private ScheduledExecutorService poller;
  private ServerIdentity identity;
  private HttpGateway gateway;

  @BeforeEach
  void serveHttps() {
    ca = CertificateAuthority.create("http-test-ca", Clock.systemUTC(), VALIDITY);
    caFile = dir.resolve("ca.crt");
    ca.writeCertificate(caFile);
    certFile = dir.resolve("gateway.crt");
    keyFile = dir.resolve("gateway.key");
    ca.issue("gateway", LOOPBACK, VALIDITY).writeTo(certFile, keyFile);
    ServerTlsSettings tls =
        new ServerTlsSettings(certFile, keyFile, Optional.empty(), Duration.ofHours(1));
    poller = Executors.newSingleThreadScheduledExecutor();
    identity = ServerIdentity.start(tls, poller);
    gateway =
        new HttpGateway(
            new HttpSettings(true, "127.0.0.1", 0, Optional.of(tls)),
            Optional.of(identity),
            new MultimodalGrpc.MultimodalImplBase() {},
            List.of(),
            4 * 1024 * 1024,
            Duration.ofSeconds(10),
            Duration.ZERO);
    gateway.start();
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.beginStop().join();
    }
    identity.close();
    poller.shutdownNow();
  }

  @Test
  void https_servesTheGalleryPage_withTheCertificateOfTheFiles() throws Exception {
    HttpResponse<String> page = get(trustingTheCa(), "https", "/gallery/");

    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("<html"), page.body());
    assertEquals(serialOf(certFile), peerSerial(page));
    assertTrue(gateway.describe().startsWith("HTTPS on 127.0.0.1:"), gateway.describe());
  }

  @Test
  void settings_followTheGrpcPortsCertificate_whenHttpIsOn() {
    Map<String, String> values = new HashMap<>(GatewayConfig.defaults());
    values.put("tls.cert-file", certFile.toString());
    values.put("tls.key-file", keyFile.toString());
    values.put("http.enabled", "true");

    HttpSettings on = HttpSettings.from(Config.of(values));
    assertEquals(certFile, on.tls().orElseThrow().certFile());
    assertEquals("https", on.scheme());

    values.put("http.enabled", "false");
    assertEquals(Optional.empty(), HttpSettings.from(Config.of(values)).tls());
    values.put("http.enabled", "true");
    values.remove("tls.cert-file");
    values.remove("tls.key-file");
    assertEquals("http", HttpSettings.from(Config.of(values)).scheme());
  }

  @Test
  void plaintextHttp_isRefused_theServerClosesTheConnection() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
      socket.setSoTimeout((int) TIMEOUT.toMillis()); // a hang fails the test with a timeout
      socket
          .getOutputStream()
          .write(
              "GET /gallery/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      byte[] answer = socket.getInputStream().readAllBytes(); // until the server closes
      assertFalse(
          new String(answer, StandardCharsets.ISO_8859_1).startsWith("HTTP/"),
          "no HTTP answer in the clear");
    }
  }

  @Test
  void aClientThatDoesNotTrustTheCa_refusesTheServer() throws Exception {
    SSLContext jdkDefaults = SSLContext.getDefault();
    assertThrows(SSLHandshakeException.class, () -> get(jdkDefaults, "https", "/gallery/"));
  }

  @Test
  void rotation_newConnectionsGetTheNewCertificate_withoutARestart() throws Exception {
    BigInteger before = peerSerial(get(trustingTheCa(), "https", "/gallery/"));

    ca.issue("gateway", LOOPBACK, VALIDITY).writeTo(certFile, keyFile);
    assertTrue(identity.reloadIfChanged());

    BigInteger after = peerSerial(get(trustingTheCa(), "https", "/gallery/")); // a new client
    assertNotEquals(before, after);
    assertEquals(serialOf(certFile), after);
  }

  private HttpResponse<String> get(SSLContext tls, String scheme, String path)
      throws IOException, InterruptedException {
    try (HttpClient client =
        HttpClient.newBuilder().sslContext(tls).connectTimeout(TIMEOUT).build()) {
      URI uri = URI.create(scheme + "://127.0.0.1:" + gateway.port() + path);
      return client.send(
          HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  private SSLContext trustingTheCa() throws Exception {
    KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
    trusted.load(null, null);
    trusted.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }

  private static BigInteger peerSerial(HttpResponse<?> response) throws Exception {
    return ((X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0])
        .getSerialNumber();
  }

  private static BigInteger serialOf(Path file) throws Exception {
    try (var in = java.nio.file.Files.newInputStream(file)) {
      return ((X509Certificate)
              java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in))
          .getSerialNumber();
    }
  }
}
