package io.mmserve.gateway;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.inference.TensorCodec;
import io.mmserve.tensor.v1.Tensor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A text encoder for gateway tests. Text i gets the embedding {@link #valueAt(int, int)}, unless
 * every text of the request has a vector in {@link #vectors}; then each gets its own. A text is
 * truncated when it is longer than {@link #CONTEXT_CHARS} characters and counts its characters plus
 * two as tokens. With include_features, text i's token features are [its vector, zeros] with the
 * attention mask [1, 0]. It remembers its requests and the last deadline, and answers with {@link
 * #failWith} when that is set. With a {@link #gate} it holds each call until the test opens it.
 */
final class FakeTextEncoder extends TextEncoderGrpc.TextEncoderImplBase {
  static final String MODEL = "fake-clip";
  static final String VERSION = "0.0.7";
  static final int DIMS = 4;
  static final int CONTEXT_CHARS = 10;
  static final int TOKENS = 2;

  final Map<String, float[]> vectors = new ConcurrentHashMap<>();
  final List<EncodeTextRequest> requests = new CopyOnWriteArrayList<>();
  volatile EncodeTextRequest lastRequest;
  volatile Deadline lastDeadline;
  volatile int calls;
  volatile Status failWith;
  volatile String version = VERSION;

  /** When >= 0, the number of embedding rows to answer with (to fake a broken encoder). */
  volatile int rowsOverride = -1;

  /**
   * When set, each call is recorded and then waits (on the calling thread, at most {@link
   * #GATE_BOUND}) until the latch opens, so a test can hold the encoder busy.
   */
  volatile CountDownLatch gate;

  static final Duration GATE_BOUND = Duration.ofSeconds(10);

  static float valueAt(int row, int col) {
    return (row + 1) * 0.5f - col * 0.25f;
  }

  @Override
  public void encodeText(EncodeTextRequest request, StreamObserver<EncodeTextResponse> out) {
    calls++;
    requests.add(request);
    lastRequest = request;
    lastDeadline = Context.current().getDeadline();
    passGate(gate);
    if (failWith != null) {
      out.onError(failWith.asRuntimeException());
      return;
    }
    int n = request.getTextsCount();
    int rows = rowsOverride >= 0 ? rowsOverride : n;
    EncodeTextResponse.Builder response =
        EncodeTextResponse.newBuilder().setModel(MODEL).setModelVersion(version);
    if (request.getTextsList().stream().allMatch(vectors::containsKey)) {
      float[][] rowsOf = request.getTextsList().stream().map(vectors::get).toArray(float[][]::new);
      response.setEmbeddings(tensor(rowsOf, rowsOf[0].length));
      if (request.getIncludeFeatures()) {
        response.setTokenFeatures(features(rowsOf, TOKENS));
        response.setAttentionMask(mask(n));
      }
    } else {
      response.setEmbeddings(matrix(rows, DIMS));
    }
    for (String text : request.getTextsList()) {
      response.addTruncated(text.length() > CONTEXT_CHARS);
      response.addTokenCounts(Math.min(text.length(), CONTEXT_CHARS) + 2);
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  /** Waits until {@code gate} (if any) opens; fails the test's call if it stays shut. */
  static void passGate(CountDownLatch gate) {
    if (gate == null) {
      return;
    }
    try {
      if (!gate.await(GATE_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("the test never opened the encoder's gate");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted at the encoder's gate", e);
    }
  }

  /** The texts of every request, in order. */
  List<String> encodedTexts() {
    return requests.stream().flatMap(r -> r.getTextsList().stream()).toList();
  }

  /** A FLOAT32 [rows, cols] tensor holding {@link #valueAt(int, int)}. */
  static Tensor matrix(int rows, int cols) {
    float[][] values = new float[rows][cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        values[r][c] = valueAt(r, c);
      }
    }
    return tensor(values, cols);
  }

  /** A FLOAT32 [rows.length, cols] tensor. */
  static Tensor tensor(float[][] rows, int cols) {
    float[] values = new float[rows.length * cols];
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(rows[r], 0, values, r * cols, cols);
    }
    return TensorCodec.encodeFloats(values, rows.length, cols);
  }

  /** FLOAT32 [N, positions, W]: position 0 of item n holds rows[n], the others zeros. */
  static Tensor features(float[][] rows, int positions) {
    int width = rows[0].length;
    float[] values = new float[rows.length * positions * width];
    for (int n = 0; n < rows.length; n++) {
      System.arraycopy(rows[n], 0, values, n * positions * width, width);
    }
    return TensorCodec.encodeFloats(values, rows.length, positions, width);
  }

  private static Tensor mask(int n) {
    long[] values = new long[n * TOKENS];
    for (int i = 0; i < n; i++) {
      values[i * TOKENS] = 1;
    }
    return TensorCodec.encode(io.mmserve.inference.Tensor.ofLongs(values, n, TOKENS));
  }
}
