package io.mmserve.triton;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.mmserve.inference.BackendModel;
import io.mmserve.inference.DType;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.pack.TensorSpec;
import io.mmserve.kit.errors.BackendUnavailableException;
import io.mmserve.kit.errors.DeadlineExceededException;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.OverloadedException;
import io.mmserve.kserve.v2.ModelInferRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TritonBackendTest {
  static final String MODEL = "toy@1.0.0/text";
  static final BackendModel SPEC =
      new BackendModel(
          MODEL,
          Path.of("unused.onnx"),
          List.of(new TensorSpec("ids", DType.INT64, List.of(-1L, 2L))),
          List.of(new TensorSpec("half", DType.FLOAT32, List.of(-1L, 2L))));

  // time in these tests is the manual clock's; real gRPC deadlines stay far away
  private static final Duration TEN_SECONDS = Duration.ofSeconds(10);
  private static final Duration ONE = Duration.ofSeconds(1);

  private final FakeTriton triton = new FakeTriton();
  private final List<Duration> sleeps = new ArrayList<>();
  private final AtomicLong nanos = new AtomicLong(); // the backend's clock: moves only by sleeps
  private Duration oversleep = Duration.ZERO; // how much longer than asked a sleep takes
  private Server server;
  private String name;
  private TritonBackend backend;

  @BeforeEach
  void startServer() throws IOException {
    name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name).directExecutor().addService(triton).build().start();
  }

  @AfterEach
  void stop() {
    if (backend != null) {
      backend.close();
    }
    server.shutdownNow();
  }

  private TritonBackend open(TritonConfig config) {
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    return TritonBackend.open(config, channel, List.of(SPEC), this::sleep, nanos::get);
  }

  /**
   * Records the wait and moves the clock on by it, plus any oversleep, as a loaded machine does.
   */
  private void sleep(Duration d) {
    sleeps.add(d);
    nanos.addAndGet(d.plus(oversleep).toNanos());
  }

  private TritonBackend open() {
    backend = open(TritonConfig.forTarget("in-process"));
    return backend;
  }

  private static Map<String, Tensor> ids(long... values) {
    return Map.of("ids", Tensor.ofLongs(values, values.length / 2, 2));
  }

  @Test
  void infer_sendsRawContentsWithModelVersionAndIdAndReadsRawOutputs() {
    backend = open(TritonConfig.forTarget("in-process").withModels("", "1"));
    Map<String, Tensor> out = backend.infer(MODEL, ids(2, 4, 6, 8));
    assertArrayEquals(new float[] {1, 2, 3, 4}, out.get("half").toFloatArray());
    assertArrayEquals(new long[] {2, 2}, out.get("half").shape());
    ModelInferRequest sent = triton.inferRequests.get(0);
    assertEquals("toy-text", sent.getModelName());
    assertEquals("1", sent.getModelVersion());
    assertTrue(sent.getId().startsWith("mmserve-"), sent.getId());
    assertEquals("INT64", sent.getInputs(0).getDatatype());
    assertEquals(List.of(2L, 2L), sent.getInputs(0).getShapeList());
    assertEquals(32, sent.getRawInputContents(0).size());
    assertEquals("half", sent.getOutputs(0).getName());
  }

  @Test
  void connect_failsAtOnceNamingTheTlsHandshake_insteadOfRetryingUntilTheStartupTimeout() {
    Status refused =
        Status.UNAVAILABLE
            .withDescription("ssl exception")
            .withCause(new SSLHandshakeException("Received fatal alert: certificate_required"));
    ManagedChannel channel =
        InProcessChannelBuilder.forName(name).directExecutor().intercept(failing(refused)).build();

    TritonStartupException e =
        assertThrows(
            TritonStartupException.class,
            () ->
                TritonBackend.open(
                    TritonConfig.forTarget("in-process"),
                    channel,
                    List.of(SPEC),
                    this::sleep,
                    nanos::get));
    assertTrue(
        e.getMessage()
            .startsWith(
                "ServerMetadata failed: the TLS handshake with Triton at in-process failed:"
                    + " Received fatal alert: certificate_required (check triton.tls.ca-file"),
        e.getMessage());
    assertEquals(List.of(), sleeps, "no retry");
  }

  /** Fails every call on the client side with {@code status}, as a failed connection does. */
  private static ClientInterceptor failing(Status status) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ClientCall<>() {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            listener.onClose(status, new Metadata());
          }

          @Override
          public void request(int n) {}

          @Override
          public void cancel(String message, Throwable cause) {}

          @Override
          public void halfClose() {}

          @Override
          public void sendMessage(Q message) {}
        };
      }
    };
  }

  @Test
  void infer_retriesUnavailableWithGrowingBackoff() {
    open();
    triton.failNext(Status.UNAVAILABLE.withDescription("connection refused"));
    triton.failNext(Status.UNAVAILABLE.withDescription("connection refused"));
    Map<String, Tensor> out = backend.infer(MODEL, ids(2, 2));
    assertArrayEquals(new float[] {1, 1}, out.get("half").toFloatArray());
    assertEquals(
        List.of(
            TritonConfig.DEFAULT_INITIAL_BACKOFF,
            TritonConfig.DEFAULT_INITIAL_BACKOFF.multipliedBy(2)),
        sleeps);
  }

  @Test
  void infer_givesBackendUnavailableWhenRetriesRunOutOfTime() {
    backend =
        open(TritonConfig.forTarget("in-process").withTimeouts(TEN_SECONDS, TEN_SECONDS, ONE));
    triton.alwaysFail = Status.UNAVAILABLE.withDescription("connection refused");
    BackendUnavailableException e =
        assertThrows(BackendUnavailableException.class, () -> backend.infer(MODEL, ids(1, 1)));
    assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
    // waits of 50, 100, 200, 400, 800 ms, then 1 s (the cap) while one more ends before 10 s
    assertEquals(Duration.ofMillis(9550), sleeps.stream().reduce(Duration.ZERO, Duration::plus));
    assertEquals(sleeps.size() + 1, triton.inferRequests.size());
  }

  @Test
  void infer_startsNoRetryOnceTheDeadlineHasPassedAndGivesTheRetriedFailure() {
    backend =
        open(TritonConfig.forTarget("in-process").withTimeouts(TEN_SECONDS, TEN_SECONDS, ONE));
    oversleep = Duration.ofSeconds(20); // a loaded machine: the wait ends after the deadline
    triton.alwaysFail = Status.UNAVAILABLE.withDescription("connection refused");

    BackendUnavailableException e =
        assertThrows(BackendUnavailableException.class, () -> backend.infer(MODEL, ids(1, 1)));

    assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
    assertEquals(1, sleeps.size());
    assertEquals(1, triton.inferRequests.size(), "no call starts after the deadline");
  }

  @Test
  void infer_givesTheRetriedFailureWhenARetryRunsOutOfTime() {
    open();
    triton.failNext(Status.UNAVAILABLE.withDescription("connection refused"));
    triton.failNext(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded"));

    BackendUnavailableException e =
        assertThrows(BackendUnavailableException.class, () -> backend.infer(MODEL, ids(1, 1)));

    assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
  }

  @Test
  void infer_givesDeadlineExceededWhenTheFirstAttemptRunsOutOfTime() {
    open();
    triton.failNext(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded"));

    assertThrows(DeadlineExceededException.class, () -> backend.infer(MODEL, ids(1, 1)));
    assertEquals(List.of(), sleeps);
  }

  @Test
  void infer_retriesNotFoundWhileAModelReloads() {
    open();
    triton.failNext(Status.NOT_FOUND.withDescription("Request for unknown model"));
    Map<String, Tensor> out = backend.infer(MODEL, ids(4, 4));
    assertArrayEquals(new float[] {2, 2}, out.get("half").toFloatArray());
    assertEquals(List.of(TritonConfig.DEFAULT_INITIAL_BACKOFF), sleeps);
  }

  @Test
  void infer_givesBackendUnavailableWhenAModelStaysUnloaded() {
    backend =
        open(TritonConfig.forTarget("in-process").withTimeouts(TEN_SECONDS, TEN_SECONDS, ONE));
    triton.alwaysFail = Status.NOT_FOUND.withDescription("Request for unknown model");
    BackendUnavailableException e =
        assertThrows(BackendUnavailableException.class, () -> backend.infer(MODEL, ids(1, 1)));
    assertEquals(
        "Triton model 'toy-text' is not loaded on Triton at in-process: Request for unknown model",
        e.getMessage());
  }

  @Test
  void infer_mapsQueueFullToOverloadedWithoutRetrying() {
    open();
    triton.failNext(Status.UNAVAILABLE.withDescription("Exceeds maximum queue size"));
    OverloadedException e =
        assertThrows(OverloadedException.class, () -> backend.infer(MODEL, ids(1, 1)));
    assertTrue(e.getMessage().contains("'toy-text' is overloaded"), e.getMessage());
    assertEquals(List.of(), sleeps);
  }

  @Test
  void infer_mapsInvalidArgumentToInvalidInputNamingTheTensor() {
    open();
    triton.failNext(
        Status.INVALID_ARGUMENT.withDescription(
            "[request id: mmserve-1] unexpected shape for input 'ids' for model 'toy-text'"));
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> backend.infer(MODEL, ids(1, 1)));
    assertEquals(
        "Triton model 'toy-text' rejected the input: unexpected shape for input 'ids' for model"
            + " 'toy-text'",
        e.getMessage());
  }

  @Test
  void infer_splitsBatchesLargerThanMaxBatchSize() {
    triton.maxBatchSize = 2;
    open();
    Map<String, Tensor> out = backend.infer(MODEL, ids(2, 2, 4, 4, 6, 6, 8, 8, 10, 10));
    assertArrayEquals(new float[] {1, 1, 2, 2, 3, 3, 4, 4, 5, 5}, out.get("half").toFloatArray());
    assertEquals(3, triton.inferRequests.size());
  }

  @Test
  void infer_rejectsAMissingInput() {
    open();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> backend.infer(MODEL, Map.of()));
    assertEquals("model 'toy@1.0.0/text': input 'ids' is missing", e.getMessage());
  }

  @Test
  void isReady_followsModelReady() {
    open();
    assertTrue(backend.isReady());
    triton.ready = false;
    assertFalse(backend.isReady());
  }

  @Test
  void isReady_isFalseWhenTritonIsUnreachable() {
    open();
    server.shutdownNow();
    assertFalse(backend.isReady());
  }

  @Test
  void open_refusesAModelTritonDoesNotServe() {
    TritonStartupException e =
        assertThrows(
            TritonStartupException.class,
            () -> open(TritonConfig.forTarget("in-process").withModels("wrong-", "")));
    assertEquals(
        "ModelMetadata of 'wrong-toy-text' failed: Triton at in-process does not serve the model:"
            + " Request for unknown model: 'wrong-toy-text' is not found",
        e.getMessage());
  }

  @Test
  void open_refusesAVersionTritonDoesNotServe() {
    TritonStartupException e =
        assertThrows(
            TritonStartupException.class,
            () -> open(TritonConfig.forTarget("in-process").withModels("", "7")));
    assertTrue(e.getMessage().contains("in version 7"), e.getMessage());
  }

  @Test
  void open_refusesATensorShapeThatDiffersFromTheManifest() {
    triton.inputShape = List.of(-1L, 3L);
    TritonStartupException e = assertThrows(TritonStartupException.class, this::open);
    assertEquals(
        "Triton model 'toy-text' does not match the manifest of 'toy@1.0.0/text': input 'ids':"
            + " Triton's shape [-1, 3] differs from the manifest's [-1, 2]",
        e.getMessage());
  }

  @Test
  void open_waitsForTritonToAnswer() {
    triton.failNext(Status.UNAVAILABLE.withDescription("connection refused"));
    open();
    assertEquals(List.of(TritonConfig.DEFAULT_INITIAL_BACKOFF), sleeps);
  }

  @Test
  void open_acceptsFp16ForAFloat32Output() {
    triton.outputDatatype = "FP16";
    open();
    assertEquals(java.util.Set.of(MODEL), backend.models());
  }
}
