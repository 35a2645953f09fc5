package io.mmserve.stackit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.kit.client.GrpcChannels;
import io.mmserve.testsupport.LocalStackProcess;
import io.mmserve.testsupport.ReferencePack;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/**
 * {@code ./mmserve up --tls} as a user runs it: the gateway answers over TLS trusting the CA that
 * {@code up} printed, and not in plaintext; the encoders behind it refuse a client without a
 * certificate of that CA (and say so in the stack's output); the CLI's own client commands reach
 * the gateway with {@code --ca-file}. The gateway's HTTP/JSON port serves HTTPS with the same
 * certificate: the gallery page and {@code /v1/embeddings} answer a client trusting the CA (as
 * {@code curl --cacert}), and a plaintext {@code http://} call is refused.
 */
class TlsStackIT {
  private static final int MAX_MESSAGE = 16 << 20;

  @Test
  void theStackServesOverTls_andItsEncodersRefuseAClientWithoutACertificate() throws Exception {
    Path target = ReferencePack.repoRoot().resolve("stack-it/target");
    Path tls = target.resolve("tls"); // beside the stack's gallery data folder
    try (LocalStackProcess stack = LocalStackProcess.start(target, List.of("--tls"), Map.of())) {
      Path ca = tls.resolve("ca.crt");
      assertTrue(stack.output().contains("clients trust " + ca), stack.output());
      ChannelCredentials trusting =
          TlsChannelCredentials.newBuilder().trustManager(ca.toFile()).build();

      ManagedChannel gateway = GrpcChannels.channel(stack.gatewayTarget(), MAX_MESSAGE, trusting);
      ManagedChannel plaintext =
          GrpcChannels.channel(
              stack.gatewayTarget(), MAX_MESSAGE, InsecureChannelCredentials.create());
      String encoderTarget = "127.0.0.1:" + (port(stack.gatewayTarget()) + 1);
      ManagedChannel anonymous = GrpcChannels.channel(encoderTarget, MAX_MESSAGE, trusting);
      ManagedChannel cli =
          GrpcChannels.channel(
              encoderTarget,
              MAX_MESSAGE,
              TlsChannelCredentials.newBuilder()
                  .trustManager(ca.toFile())
                  .keyManager(
                      tls.resolve("mmserve-cli.crt").toFile(),
                      tls.resolve("mmserve-cli.key").toFile())
                  .build());
      try {
        int dimensions =
            MultimodalGrpc.newBlockingStub(gateway)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .embedText(EmbedTextRequest.newBuilder().addTexts("a red circle").build())
                .getEmbeddings(0)
                .getValuesCount();
        assertTrue(dimensions > 0, "an embedding over TLS");

        StatusRuntimeException inTheClear =
            assertThrows(
                StatusRuntimeException.class,
                () ->
                    MultimodalGrpc.newBlockingStub(plaintext)
                        .withDeadlineAfter(60, TimeUnit.SECONDS)
                        .embedText(EmbedTextRequest.newBuilder().addTexts("a red circle").build()));
        assertEquals(Status.Code.UNAVAILABLE, inTheClear.getStatus().getCode());

        StatusRuntimeException noCertificate =
            assertThrows(StatusRuntimeException.class, () -> health(anonymous));
        assertEquals(Status.Code.UNAUTHENTICATED, noCertificate.getStatus().getCode());
        assertEquals(ServingStatus.SERVING, health(cli), "the CA's client certificate is let in");
        assertTrue(
            stack
                .output()
                .contains(
                    "refused: no client certificate (a certificate issued by a CA in"
                        + " tls.client-ca-file "
                        + ca),
            stack.output());

        assertHttpsOnly(stack, ca);

        ProcessRun embed =
            ProcessRun.of(
                List.of(
                    ProcessHandle.current().info().command().orElse("java"),
                    "-jar",
                    ReferencePack.repoRoot().resolve("cli/target/cli.jar").toString(),
                    "embed-text",
                    "a blue square",
                    "--target",
                    stack.gatewayTarget(),
                    "--ca-file",
                    ca.toString()),
                target,
                Map.of(),
                Files.createTempFile(target, "tls-embed-", ".log"),
                2);
        embed.assertSucceeded("embed-text --ca-file");
      } finally {
        for (ManagedChannel channel : List.of(gateway, plaintext, anonymous, cli)) {
          channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  /** The HTTP/JSON port answers HTTPS to a client that trusts the CA, and refuses plaintext. */
  private static void assertHttpsOnly(LocalStackProcess stack, Path ca) throws Exception {
    URI plain = URI.create(stack.httpUrl());
    URI https = URI.create(stack.httpUrl().replaceFirst("^http:", "https:"));
    assertTrue(stack.output().contains("HTTPS on 127.0.0.1:" + plain.getPort()), stack.output());
    assertTrue(
        stack.output().contains("HTTP/JSON API on " + https + "/v1/"),
        "the ready line shows the https address:\n" + stack.output());
    try (HttpClient client =
        HttpClient.newBuilder()
            .sslContext(trusting(ca))
            .connectTimeout(Duration.ofSeconds(30))
            .build()) {
      HttpResponse<String> gallery =
          client.send(
              HttpRequest.newBuilder(https.resolve("/gallery/"))
                  .timeout(Duration.ofSeconds(60))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, gallery.statusCode());
      assertTrue(gallery.body().contains("<html"), gallery.body());

      HttpResponse<String> embeddings =
          client.send(
              HttpRequest.newBuilder(https.resolve("/v1/embeddings"))
                  .timeout(Duration.ofSeconds(60))
                  .header("content-type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"input\": \"a red circle\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, embeddings.statusCode(), embeddings.body());
      assertTrue(embeddings.body().contains("\"object\":\"embedding\""), embeddings.body());

      assertThrows(
          IOException.class,
          () ->
              client.send(
                  HttpRequest.newBuilder(plain.resolve("/gallery/"))
                      .timeout(Duration.ofSeconds(60))
                      .build(),
                  HttpResponse.BodyHandlers.ofString()));
    }
  }

  /** TLS trusting only the CA in {@code caFile}, as {@code curl --cacert caFile}. */
  private static SSLContext trusting(Path caFile) throws Exception {
    KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
    trusted.load(null, null);
    try (InputStream in = Files.newInputStream(caFile)) {
      trusted.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }

  private static ServingStatus health(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  private static int port(String hostPort) {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }
}
