package io.mmserve.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.EmbedTextResponse;
import io.mmserve.api.v1.Embedding;
import io.mmserve.api.v1.MultimodalGrpc;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MmserveClientTest {
  private static final Metadata.Key<String> TEAM =
      Metadata.Key.of("x-team", Metadata.ASCII_STRING_MARSHALLER);

  private final FakeMultimodal fake = new FakeMultimodal();
  private final AtomicReference<String> team = new AtomicReference<>();
  private final AtomicLong deadlineNanos = new AtomicLong(-1);
  private Server server;
  private ManagedChannel channel;
  private MmserveClient client;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    ServerInterceptor recordHeaders =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            team.set(headers.get(TEAM));
            if (Context.current().getDeadline() != null) {
              deadlineNanos.set(
                  Context.current()
                      .getDeadline()
                      .timeRemaining(java.util.concurrent.TimeUnit.NANOSECONDS));
            }
            return next.startCall(call, headers);
          }
        };
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(ServerInterceptors.intercept(fake, recordHeaders))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    client = MmserveClient.over(channel);
  }

  @AfterEach
  void stop() {
    client.close();
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void embedTexts_returnsOneRowPerText() {
    fake.embeddings = List.of(List.of(0.6f, 0.8f), List.of(1f, 0f));

    float[][] rows = client.embedTexts(List.of("a", "b"));

    assertArrayEquals(new float[] {0.6f, 0.8f}, rows[0]);
    assertArrayEquals(new float[] {1f, 0f}, rows[1]);
  }

  @Test
  void invalidArgument_becomesMmserveExceptionWithCodeDescriptionAndFieldViolations() {
    fake.failure =
        com.google.rpc.Status.newBuilder()
            .setCode(Code.INVALID_ARGUMENT_VALUE)
            .setMessage("labels[1]: the label is empty; every label needs some text")
            .addDetails(
                Any.pack(
                    BadRequest.newBuilder()
                        .addFieldViolations(
                            BadRequest.FieldViolation.newBuilder()
                                .setField("labels[1]")
                                .setDescription("the label is empty; every label needs some text"))
                        .build()))
            .build();

    MmserveException e =
        assertThrows(MmserveException.class, () -> client.classify(List.of(), List.of("a", "")));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
    assertEquals("labels[1]: the label is empty; every label needs some text", e.description());
    assertEquals(
        List.of(new FieldViolation("labels[1]", "the label is empty; every label needs some text")),
        e.violations());
    assertEquals("Classify", e.method());
    assertTrue(e.violation("labels[1]").isPresent());
    assertEquals(
        "Classify failed: INVALID_ARGUMENT: labels[1]: the label is empty; every label needs some"
            + " text\n  field labels[1]: the label is empty; every label needs some text",
        e.getMessage());
  }

  @Test
  void statusWithoutDetails_hasNoViolations() {
    fake.failure =
        com.google.rpc.Status.newBuilder()
            .setCode(Code.UNAVAILABLE_VALUE)
            .setMessage("text-encoder-svc is unavailable")
            .build();

    MmserveException e =
        assertThrows(MmserveException.class, () -> client.embedTexts(List.of("a")));

    assertEquals(Status.Code.UNAVAILABLE, e.code());
    assertEquals(List.of(), e.violations());
  }

  @Test
  void withHeaderAndWithTimeout_applyToEveryCall() {
    fake.embeddings = List.of(List.of(1f));

    client
        .withHeader("x-team", "search")
        .withTimeout(Duration.ofSeconds(7))
        .embedTexts(List.of("a"));

    assertEquals("search", team.get());
    assertTrue(deadlineNanos.get() > 0 && deadlineNanos.get() <= Duration.ofSeconds(7).toNanos());
  }

  @Test
  void withTimeout_refusesZero() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> client.withTimeout(Duration.ZERO));

    assertEquals("timeout must be positive, but was PT0S", e.getMessage());
  }

  @Test
  void close_leavesACallersChannelOpen() {
    client.close();

    assertFalse(channel.isShutdown());
  }

  @Test
  void connect_toAGatewayThatIsNotThere_throwsUnavailableWithTheLocalCause() throws Exception {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    try (MmserveClient nowhere =
        MmserveClient.connect("127.0.0.1:" + port).withTimeout(Duration.ofSeconds(10))) {
      MmserveException e =
          assertThrows(MmserveException.class, () -> nowhere.embedTexts(List.of("a")));

      assertEquals(Status.Code.UNAVAILABLE, e.code());
      assertEquals("EmbedText", e.method());
      assertNotNull(e.status().getCause());
    }
  }

  /** Answers EmbedText with {@link #embeddings} and Classify with nothing, or fails. */
  private static final class FakeMultimodal extends MultimodalGrpc.MultimodalImplBase {
    volatile List<List<Float>> embeddings = List.of();
    volatile com.google.rpc.Status failure;

    @Override
    public void embedText(EmbedTextRequest request, StreamObserver<EmbedTextResponse> answer) {
      if (failure != null) {
        answer.onError(StatusProto.toStatusRuntimeException(failure));
        return;
      }
      EmbedTextResponse.Builder response = EmbedTextResponse.newBuilder();
      for (int i = 0; i < embeddings.size(); i++) {
        response.addEmbeddings(Embedding.newBuilder().addAllValues(embeddings.get(i)).setIndex(i));
      }
      answer.onNext(response.build());
      answer.onCompleted();
    }

    @Override
    public void classify(ClassifyRequest request, StreamObserver<ClassifyResponse> answer) {
      if (failure != null) {
        answer.onError(StatusProto.toStatusRuntimeException(failure));
        return;
      }
      answer.onNext(ClassifyResponse.getDefaultInstance());
      answer.onCompleted();
    }
  }
}
