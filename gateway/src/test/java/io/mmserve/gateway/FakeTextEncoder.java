package io.mmserve.gateway;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.tensor.v1.DataType;
import io.mmserve.tensor.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A text encoder for gateway tests. Text i gets the embedding {@link #valueAt(int, int)}, is
 * truncated when it is longer than {@link #CONTEXT_CHARS} characters, and counts its characters
 * plus two as tokens. It remembers the last request and the deadline it arrived with, and answers
 * with {@link #failWith} when that is set.
 */
final class FakeTextEncoder extends TextEncoderGrpc.TextEncoderImplBase {
  static final String MODEL = "fake-clip";
  static final String VERSION = "0.0.7";
  static final int DIMS = 4;
  static final int CONTEXT_CHARS = 10;

  volatile EncodeTextRequest lastRequest;
  volatile Deadline lastDeadline;
  volatile int calls;
  volatile Status failWith;

  /** When >= 0, the number of embedding rows to answer with (to fake a broken encoder). */
  volatile int rowsOverride = -1;

  static float valueAt(int row, int col) {
    return (row + 1) * 0.5f - col * 0.25f;
  }

  @Override
  public void encodeText(EncodeTextRequest request, StreamObserver<EncodeTextResponse> out) {
    calls++;
    lastRequest = request;
    lastDeadline = Context.current().getDeadline();
    if (failWith != null) {
      out.onError(failWith.asRuntimeException());
      return;
    }
    int n = request.getTextsCount();
    int rows = rowsOverride >= 0 ? rowsOverride : n;
    EncodeTextResponse.Builder response =
        EncodeTextResponse.newBuilder()
            .setModel(MODEL)
            .setModelVersion(VERSION)
            .setEmbeddings(matrix(rows, DIMS));
    for (String text : request.getTextsList()) {
      response.addTruncated(text.length() > CONTEXT_CHARS);
      response.addTokenCounts(Math.min(text.length(), CONTEXT_CHARS) + 2);
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  /** A FLOAT32 [rows, cols] tensor holding {@link #valueAt(int, int)}. */
  static Tensor matrix(int rows, int cols) {
    ByteBuffer data = ByteBuffer.allocate(rows * cols * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        data.putFloat(valueAt(r, c));
      }
    }
    data.flip();
    return Tensor.newBuilder()
        .setDtype(DataType.FLOAT32)
        .addShape(rows)
        .addShape(cols)
        .setData(ByteString.copyFrom(data))
        .build();
  }
}
