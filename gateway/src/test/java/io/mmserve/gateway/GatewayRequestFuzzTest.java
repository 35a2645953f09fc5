package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.DeleteRequest;
import io.mmserve.api.v1.EmbedImageRequest;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.MatchRequest;
import io.mmserve.api.v1.MultimodalGrpc.MultimodalBlockingStub;
import io.mmserve.api.v1.RankRequest;
import io.mmserve.api.v1.ScoreRequest;
import io.mmserve.api.v1.SearchRequest;
import io.mmserve.api.v1.UpsertRequest;
import java.io.IOException;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the gateway's request validation through the public gRPC API: the gateway in-process as
 * Main wires it ({@link InProcessGateway}, in front of fake encoders, fusion and gallery). The
 * target is the gateway's edge, not the backends: the fake encoders and fusion refuse every call
 * with {@link #PASSED} (FAILED_PRECONDITION), so a request the gateway accepts ends there, and the
 * fakes' own simplifications (encoders of different sizes, no features) never look like gateway
 * faults. The first byte picks a method; the rest is that method's request message in protobuf wire
 * format (bytes protobuf cannot parse never reach the service, so they end the input). Every call
 * ends with OK or a client's-fault status (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, NOT_FOUND,
 * FAILED_PRECONDITION) with a description; never UNKNOWN or INTERNAL (an exception the mapper did
 * not expect), never past its deadline.
 *
 * <p>Small limits (3 texts, 2 images, ...) so inputs reach every limit cheaply. Regression inputs:
 * {@code GatewayRequestFuzzTestInputs/call/} in the test resources.
 */
class GatewayRequestFuzzTest {
  private static final RequestLimits LIMITS = new RequestLimits(3, 2, 4, 3, 4, 5);
  private static final long DEADLINE_SECONDS = 5;
  private static final Set<Status.Code> CLIENT_FAULTS =
      Set.of(
          Status.Code.INVALID_ARGUMENT,
          Status.Code.RESOURCE_EXHAUSTED,
          Status.Code.NOT_FOUND,
          Status.Code.FAILED_PRECONDITION);

  /** What the fake backends answer: the request got past the gateway's checks. */
  private static final Status PASSED =
      Status.FAILED_PRECONDITION.withDescription("fuzz: the request reached a backend");

  /**
   * Guava logs each later failure of a combined future at SEVERE; with every backend refusing, a
   * fuzzing run would print millions of them. Held here so the level is not garbage-collected.
   */
  private static final Logger GUAVA_FUTURES = Logger.getLogger("com.google.common.util.concurrent");

  private static InProcessGateway gateway;

  @BeforeAll
  static void start() throws IOException {
    GUAVA_FUTURES.setLevel(Level.OFF);
    gateway = new InProcessGateway(LIMITS, 16);
    gateway.textEncoder.failWith = PASSED;
    gateway.visionEncoder.failWith = PASSED;
    gateway.fusion.failWith = PASSED;
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void call(byte[] input) {
    if (input.length == 0) {
      return;
    }
    byte[] message = Arrays.copyOfRange(input, 1, input.length);
    MultimodalBlockingStub client =
        gateway.client().withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    try {
      send(client, Byte.toUnsignedInt(input[0]) % 9, message);
    } catch (InvalidProtocolBufferException e) {
      return;
    } catch (StatusRuntimeException e) {
      Status status = e.getStatus();
      assertTrue(CLIENT_FAULTS.contains(status.getCode()), "unexpected status " + status);
      assertFalse(
          status.getDescription() == null || status.getDescription().isBlank(),
          "no description with " + status.getCode());
    } finally {
      gateway.textEncoder.requests.clear();
      gateway.visionEncoder.requests.clear();
      gateway.gallery.collections.clear();
    }
  }

  private static void send(MultimodalBlockingStub client, int method, byte[] message)
      throws InvalidProtocolBufferException {
    switch (method) {
      case 0 -> client.embedText(EmbedTextRequest.parseFrom(message));
      case 1 -> client.embedImage(EmbedImageRequest.parseFrom(message));
      case 2 -> client.classify(ClassifyRequest.parseFrom(message));
      case 3 -> client.rank(RankRequest.parseFrom(message));
      case 4 -> client.match(MatchRequest.parseFrom(message));
      case 5 -> client.score(ScoreRequest.parseFrom(message));
      case 6 -> client.upsert(UpsertRequest.parseFrom(message));
      case 7 -> client.search(SearchRequest.parseFrom(message));
      default -> client.delete(DeleteRequest.parseFrom(message));
    }
  }
}
