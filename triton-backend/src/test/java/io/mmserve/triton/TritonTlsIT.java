package io.mmserve.triton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.inference.BackendModel;
import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.tls.CertificateAuthority;
import io.mmserve.kit.tls.ClientTlsSettings;
import io.mmserve.kit.tls.ServerTlsSettings;
import io.mmserve.kit.tracing.Tracing;
import io.mmserve.testsupport.Npy;
import io.mmserve.testsupport.ReferencePack;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The encoders' channel to a real Triton (triton/serve.py) that serves gRPC over TLS and requires a
 * client certificate of its CA ({@code --grpc-use-ssl-mutual}), with certificates made in the test:
 * the {@code triton.tls.*} settings connect and infer; a client not trusting Triton's CA is refused
 * at start-up at once with an error that names the TLS handshake; a client without a certificate,
 * or with one of another CA, is refused by Triton, seen as a closed connection, and start-up ends
 * at its timeout with an error that names TLS as the likely cause (never a hang).
 */
class TritonTlsIT {
  private static final Duration VALIDITY = Duration.ofDays(1);
  private static final List<String> LOOPBACK = List.of("localhost", "127.0.0.1");

  /**
   * A refusal that waited for it would read "did not answer within 120 s", so the message shows it
   * did not; short enough that a regression fails the test in minutes.
   */
  private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);

  /** The start-up timeout of the cases Triton refuses, which end only with it. */
  private static final Duration REFUSED_STARTUP_TIMEOUT = Duration.ofSeconds(10);

  private static final ModelPack PACK = ModelPack.load(ReferencePack.dir());
  private static final String TEXT = PACK.manifest().id() + "/text";
  private static final List<BackendModel> MODELS =
      List.of(
          BackendModel.of(
              TEXT, PACK.manifest().text().orElseThrow().encoder(), ModelPrecision.FP32));

  @TempDir static Path dir;

  private static Path caFile;
  private static Path otherCaFile;
  private static TritonServerProcess triton;

  @BeforeAll
  static void startTritonWithMutualTls() throws IOException, InterruptedException {
    CertificateAuthority ca =
        CertificateAuthority.create("triton-test-ca", Clock.systemUTC(), VALIDITY);
    caFile = dir.resolve("ca.crt");
    ca.writeCertificate(caFile);
    ca.issue("triton", LOOPBACK, VALIDITY).writeTo(file("triton.crt"), file("triton.key"));
    ca.issue("encoder", List.of(), VALIDITY).writeTo(file("encoder.crt"), file("encoder.key"));
    CertificateAuthority other =
        CertificateAuthority.create("other-ca", Clock.systemUTC(), VALIDITY);
    otherCaFile = dir.resolve("other-ca.crt");
    other.writeCertificate(otherCaFile);
    other
        .issue("stranger", List.of(), VALIDITY)
        .writeTo(file("stranger.crt"), file("stranger.key"));
    triton =
        new TritonServerProcess(
                ReferencePack.dir(),
                List.of(
                    "--grpc-server-cert", file("triton.crt").toString(),
                    "--grpc-server-key", file("triton.key").toString(),
                    "--grpc-root-cert", caFile.toString()))
            .start();
  }

  @AfterAll
  static void stopTriton() throws InterruptedException {
    if (triton != null) {
      triton.stop();
    }
  }

  private static Path file(String name) {
    return dir.resolve(name);
  }

  @Test
  void mutualTls_fromTheEncodersSettings_connectsAndInfersTheGoldenEmbeddings() throws IOException {
    Map<String, String> settings = new HashMap<>(BackendSettings.defaultSettings());
    settings.putAll(ServerTlsSettings.defaults()); // tls.refresh-interval, shared
    settings.putAll(
        Map.of(
            "backend", "triton",
            "triton.target", triton.target(),
            "triton.tls.ca-file", caFile.toString(),
            "triton.tls.cert-file", file("encoder.crt").toString(),
            "triton.tls.key-file", file("encoder.key").toString()));
    BackendSettings.Opened opened = BackendSettings.from(Config.of(settings)).open(MODELS);
    try (InferenceBackend backend = opened.backend()) {
      assertTrue(opened.ready().getAsBoolean(), "ModelReady over mutual TLS");
      Npy.Array ids = golden("input_ids");
      Npy.Array mask = golden("attention_mask");
      Map<String, Tensor> outputs =
          backend.infer(
              TEXT,
              Map.of(
                  "input_ids", Tensor.ofLongs(ids.longs(), ids.shape()),
                  "attention_mask", Tensor.ofLongs(mask.longs(), mask.shape())));
      String embeds = MODELS.get(0).outputs().get(0).name();
      float[] expected = golden(embeds).floats();
      float[] actual = outputs.get(embeds).toFloatArray();
      assertEquals(expected.length, actual.length);
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], actual[i], Golden.tolerance(), embeds + "[" + i + "]");
      }
    }
  }

  @Test
  void aClientWithoutACertificate_isRefusedByTriton_andStartUpEndsNamingTls() {
    assertRefusedByTriton(ClientTlsSettings.trusting(caFile, Duration.ofHours(1)));
  }

  @Test
  void aClientCertificateOfAnotherCa_isRefusedByTriton_andStartUpEndsNamingTls() {
    assertRefusedByTriton(
        ClientTlsSettings.trusting(caFile, Duration.ofHours(1))
            .withIdentity(file("stranger.crt"), file("stranger.key")));
  }

  /**
   * Triton refuses the client after the TLS 1.3 handshake, which the client sees only as a closed
   * connection: retried until the start-up timeout (short here), then reported naming TLS.
   */
  private static void assertRefusedByTriton(ClientTlsSettings tls) {
    TritonConfig config =
        TritonConfig.forTarget(triton.target())
            .withTimeouts(Duration.ofSeconds(10), REFUSED_STARTUP_TIMEOUT, Duration.ofSeconds(1));
    TritonStartupException e =
        assertThrows(
            TritonStartupException.class,
            () ->
                TritonBackend.connect(
                        config, MODELS, Tracing.off(), TritonTls.start(Optional.of(tls)))
                    .close());
    assertTrue(
        e.getMessage()
            .startsWith(
                "ServerMetadata failed: Triton at "
                    + triton.target()
                    + " did not answer within "
                    + REFUSED_STARTUP_TIMEOUT.toSeconds()
                    + " s: "),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("the channel uses TLS: Triton refusing this encoder's certificate"),
        e.getMessage());
  }

  @Test
  void aClientThatDoesNotTrustTritonsCa_refusesTritonAtOnce() {
    TritonStartupException e =
        assertRefused(
            ClientTlsSettings.trusting(otherCaFile, Duration.ofHours(1))
                .withIdentity(file("encoder.crt"), file("encoder.key")));
    assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("cert"), e.getMessage());
  }

  private static TritonStartupException assertRefused(ClientTlsSettings tls) {
    TritonConfig config =
        TritonConfig.forTarget(triton.target())
            .withTimeouts(Duration.ofSeconds(10), STARTUP_TIMEOUT, Duration.ofSeconds(1));
    TritonStartupException e =
        assertThrows(
            TritonStartupException.class,
            () ->
                TritonBackend.connect(
                        config, MODELS, Tracing.off(), TritonTls.start(Optional.of(tls)))
                    .close());
    assertTrue(
        e.getMessage()
            .startsWith(
                "ServerMetadata failed: the TLS handshake with Triton at " + triton.target()),
        e.getMessage());
    return e;
  }

  private static Npy.Array golden(String name) throws IOException {
    return ReferencePack.read(Golden.arrayFile(name));
  }
}
