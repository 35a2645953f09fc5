package io.mmserve.text;

import static io.mmserve.text.GoldenAssertions.EMBEDDING_TOLERANCE;
import static io.mmserve.text.GoldenAssertions.assertWithin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.kit.tls.CertificateAuthority;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.testsupport.ServiceProcess;
import io.mmserve.triton.TritonServerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text-encoder-svc jar in triton mode against a real Triton (triton/serve.py) that serves gRPC
 * with mutual TLS ({@code --grpc-use-ssl-mutual}, certificates made in the test): with {@code
 * triton.tls.*} it serves the golden embeddings; without a client certificate (Triton closes the
 * connection) it exits at the end of {@code triton.startup-timeout} naming TLS as the cause.
 */
class TextEncoderTritonTlsIT {
  private static final Duration VALIDITY = Duration.ofDays(1);
  private static final long CALL_SECONDS = 60;

  @TempDir static Path dir;

  private static TritonServerProcess triton;

  @BeforeAll
  static void startTritonWithMutualTls() throws IOException, InterruptedException {
    CertificateAuthority ca =
        CertificateAuthority.create("triton-test-ca", Clock.systemUTC(), VALIDITY);
    ca.writeCertificate(dir.resolve("ca.crt"));
    ca.issue("triton", List.of("localhost", "127.0.0.1"), VALIDITY)
        .writeTo(dir.resolve("triton.crt"), dir.resolve("triton.key"));
    ca.issue("text-encoder", List.of(), VALIDITY)
        .writeTo(dir.resolve("encoder.crt"), dir.resolve("encoder.key"));
    triton =
        new TritonServerProcess(
                ReferencePack.dir(),
                List.of(
                    "--grpc-server-cert", dir.resolve("triton.crt").toString(),
                    "--grpc-server-key", dir.resolve("triton.key").toString(),
                    "--grpc-root-cert", dir.resolve("ca.crt").toString()))
            .start();
  }

  @AfterAll
  static void stopTriton() throws InterruptedException {
    if (triton != null) {
      triton.stop();
    }
  }

  @Test
  void server_withTritonTlsSettings_servesTheGoldenEmbeddingsOverMutualTls() throws Exception {
    try (ServiceProcess service =
        ServiceProcess.start(
            "text-encoder-svc",
            "text-encoder-svc-triton-tls",
            "--model.packs=" + ReferencePack.dir(),
            "--djl.cache-dir=" + Path.of("target", "djl-cache-it").toAbsolutePath(),
            "--backend=triton",
            "--triton.target=" + triton.target(),
            "--triton.tls.ca-file=" + dir.resolve("ca.crt"),
            "--triton.tls.cert-file=" + dir.resolve("encoder.crt"),
            "--triton.tls.key-file=" + dir.resolve("encoder.key"))) {
      EncodeTextResponse response =
          TextEncoderGrpc.newBlockingStub(service.channel())
              .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS)
              .encodeText(
                  EncodeTextRequest.newBuilder().addAllTexts(ReferencePack.captions()).build());
      assertWithin(
          EMBEDDING_TOLERANCE,
          ReferencePack.array("text_embeds").floats(),
          TextEncoderServiceTest.floats(response.getEmbeddings()),
          "text_embeds via the service over mutual TLS to Triton");
      assertEquals(ServingStatus.SERVING, service.health());
      assertTrue(service.logText().contains("mutual, client certificate"), service.logText());
    }
  }

  @Test
  void server_withoutAClientCertificate_exitsAtTheStartupTimeoutNamingTls() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                ServiceProcess.start(
                        "text-encoder-svc",
                        "text-encoder-svc-triton-no-client-cert",
                        "--model.packs=" + ReferencePack.dir(),
                        "--djl.cache-dir=" + Path.of("target", "djl-cache-it").toAbsolutePath(),
                        "--backend=triton",
                        "--triton.target=" + triton.target(),
                        "--triton.startup-timeout=10s",
                        "--triton.tls.ca-file=" + dir.resolve("ca.crt"))
                    .close());
    assertTrue(
        e.getMessage().contains("the channel uses TLS: Triton refusing this encoder's certificate"),
        e.getMessage());
  }
}
