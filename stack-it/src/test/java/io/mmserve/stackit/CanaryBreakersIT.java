package io.mmserve.stackit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.testsupport.LocalStackProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Per-version circuit breakers on real processes: {@code ./mmserve up --canary} with the int8
 * version made faulty by fault injection (every answer of 1.1.0-int8 fails with UNAVAILABLE, in the
 * same encoder processes that serve 1.0.0). The canary's failures open the gateway's circuits of
 * the canary only: every call that went to stable succeeds, and stable's circuits stay closed.
 */
class CanaryBreakersIT {
  private static final String MODEL = "shapes-clip";
  private static final String STABLE = "1.0.0";
  private static final String CANARY = "1.1.0-int8";

  @Test
  void aCanaryFailingEveryCall_neverFailsACallThatWentToStable() throws Exception {
    Path pack = CanaryPack.make("breakers-it");
    try (LocalStackProcess stack =
        LocalStackProcess.start(
            Path.of("target/stack-it"),
            List.of(
                "--canary",
                pack.toString(),
                "--canary-weight",
                "50",
                "--encoder-flag",
                "fault-injection.version=" + CANARY,
                "--encoder-flag",
                "fault-injection.error-share=1",
                "--encoder-flag",
                "fault-injection.error-code=UNAVAILABLE"),
            Map.of())) {
      ManagedChannel channel =
          NettyChannelBuilder.forTarget(stack.gatewayTarget()).usePlaintext().build();
      try {
        int stableCalls = 0;
        int canaryFailures = 0;
        for (int i = 0; i < 200; i++) {
          // half pinned to each version, half routed by weight (50%)
          String model =
              switch (i % 4) {
                case 0 -> MODEL + "@" + CANARY;
                case 1 -> MODEL + "@" + STABLE;
                default -> "";
              };
          try {
            String version = embed(channel, model, "a red circle " + i);
            assertEquals(STABLE, version, "only stable answers: " + model);
            stableCalls++;
          } catch (StatusRuntimeException e) {
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
            assertFalse(model.endsWith("@" + STABLE), "a call pinned to stable failed: " + e);
            canaryFailures++;
          }
        }
        assertTrue(stableCalls >= 50 && canaryFailures >= 50, stableCalls + " / " + canaryFailures);

        String metrics = scrape(stack.metricsUrl("gateway"));
        for (String backend : List.of("text-encoder-svc", "fusion-svc", "vision-encoder-svc")) {
          for (String line : metrics.split("\n")) {
            if (line.startsWith("mmserve_backend_circuit_state{")
                && line.contains("backend=\"" + backend + "\"")
                && line.contains("version=\"" + STABLE + "\"")) {
              assertTrue(line.endsWith(" 0.0"), "stable's circuit: " + line);
            }
          }
        }
        String output = stack.output();
        assertTrue(
            output.contains("circuit OPEN for " + MODEL + "@" + CANARY),
            "the canary's circuit never opened:\n" + output);
        assertFalse(
            Pattern.compile("circuit OPEN( for " + MODEL + "@" + STABLE + ")?\\R")
                .matcher(output)
                .find(),
            "a circuit of stable (or the shared one) opened:\n" + output);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static String embed(ManagedChannel channel, String model, String text) {
    return MultimodalGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .embedText(EmbedTextRequest.newBuilder().addTexts(text).setModel(model).build())
        .getModelVersion();
  }

  private static String scrape(String url) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
