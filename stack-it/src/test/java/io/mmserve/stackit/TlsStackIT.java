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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code ./mmserve up --tls} as a user runs it: the gateway answers over TLS trusting the CA that
 * {@code up} printed, and not in plaintext; the encoders behind it refuse a client without a
 * certificate of that CA (and say so in the stack's output); the CLI's own client commands reach
 * the gateway with {@code --ca-file}.
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
