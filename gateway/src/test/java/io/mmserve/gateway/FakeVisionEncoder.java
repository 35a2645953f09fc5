package io.mmserve.gateway;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.VisionEncoderGrpc;

/**
 * A vision encoder for gateway tests: image i gets the embedding {@link
 * FakeTextEncoder#valueAt(int, int)}. It remembers the last request and the deadline it arrived
 * with, and answers with {@link #failWith} when that is set.
 */
final class FakeVisionEncoder extends VisionEncoderGrpc.VisionEncoderImplBase {
  static final String MODEL = "fake-clip";
  static final String VERSION = "0.0.7";
  static final int DIMS = 3;

  volatile EncodeImageRequest lastRequest;
  volatile Deadline lastDeadline;
  volatile int calls;
  volatile Status failWith;

  @Override
  public void encodeImage(EncodeImageRequest request, StreamObserver<EncodeImageResponse> out) {
    calls++;
    lastRequest = request;
    lastDeadline = Context.current().getDeadline();
    if (failWith != null) {
      out.onError(failWith.asRuntimeException());
      return;
    }
    out.onNext(
        EncodeImageResponse.newBuilder()
            .setModel(MODEL)
            .setModelVersion(VERSION)
            .setEmbeddings(FakeTextEncoder.matrix(request.getImagesCount(), DIMS))
            .build());
    out.onCompleted();
  }
}
