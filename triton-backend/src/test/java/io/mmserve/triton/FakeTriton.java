package io.mmserve.triton;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.mmserve.kserve.v2.GRPCInferenceServiceGrpc;
import io.mmserve.kserve.v2.ModelConfig;
import io.mmserve.kserve.v2.ModelConfigRequest;
import io.mmserve.kserve.v2.ModelConfigResponse;
import io.mmserve.kserve.v2.ModelInferRequest;
import io.mmserve.kserve.v2.ModelInferResponse;
import io.mmserve.kserve.v2.ModelMetadataRequest;
import io.mmserve.kserve.v2.ModelMetadataResponse;
import io.mmserve.kserve.v2.ModelMetadataResponse.TensorMetadata;
import io.mmserve.kserve.v2.ModelReadyRequest;
import io.mmserve.kserve.v2.ModelReadyResponse;
import io.mmserve.kserve.v2.ServerMetadataRequest;
import io.mmserve.kserve.v2.ServerMetadataResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A test double of Triton's GRPCInferenceService serving one model, "toy-text": input "ids" INT64
 * [-1, 2], output "half" FP32 [-1, 2] = ids / 2. Failures queued with {@link #failNext} are
 * answered, one per call of any method, before the real answers; {@link #alwaysFail} answers every
 * call.
 */
final class FakeTriton extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  static final String MODEL = "toy-text";

  final List<ModelInferRequest> inferRequests = new ArrayList<>();
  private final Deque<Status> failures = new ArrayDeque<>();
  volatile String outputDatatype = "FP32";
  volatile List<Long> inputShape = List.of(-1L, 2L);
  volatile int maxBatchSize = 8;
  volatile boolean ready = true;
  volatile Status alwaysFail;

  synchronized void failNext(Status status) {
    failures.add(status);
  }

  /** The metadata Triton would give for the toy model. */
  ModelMetadataResponse metadata() {
    return ModelMetadataResponse.newBuilder()
        .setName(MODEL)
        .addVersions("1")
        .setPlatform("fake")
        .addInputs(
            TensorMetadata.newBuilder().setName("ids").setDatatype("INT64").addAllShape(inputShape))
        .addOutputs(
            TensorMetadata.newBuilder()
                .setName("half")
                .setDatatype(outputDatatype)
                .addShape(-1)
                .addShape(2))
        .build();
  }

  @Override
  public void serverMetadata(
      ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> observer) {
    if (failed(observer)) {
      return;
    }
    observer.onNext(ServerMetadataResponse.newBuilder().setName("fake").setVersion("0").build());
    observer.onCompleted();
  }

  @Override
  public void modelMetadata(
      ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> observer) {
    if (failed(observer) || unknown(request.getName(), request.getVersion(), observer)) {
      return;
    }
    observer.onNext(metadata());
    observer.onCompleted();
  }

  @Override
  public void modelConfig(
      ModelConfigRequest request, StreamObserver<ModelConfigResponse> observer) {
    if (failed(observer) || unknown(request.getName(), request.getVersion(), observer)) {
      return;
    }
    observer.onNext(
        ModelConfigResponse.newBuilder()
            .setConfig(ModelConfig.newBuilder().setName(MODEL).setMaxBatchSize(maxBatchSize))
            .build());
    observer.onCompleted();
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> observer) {
    if (failed(observer)) {
      return;
    }
    observer.onNext(
        ModelReadyResponse.newBuilder().setReady(ready && request.getName().equals(MODEL)).build());
    observer.onCompleted();
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> observer) {
    synchronized (this) {
      inferRequests.add(request);
    }
    if (failed(observer) || unknown(request.getModelName(), request.getModelVersion(), observer)) {
      return;
    }
    long rows = request.getInputs(0).getShape(0);
    ByteBuffer in =
        request.getRawInputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer out = ByteBuffer.allocate((int) rows * 2 * 4).order(ByteOrder.LITTLE_ENDIAN);
    while (in.hasRemaining()) {
      out.putFloat(in.getLong() / 2f);
    }
    observer.onNext(
        ModelInferResponse.newBuilder()
            .setModelName(MODEL)
            .setModelVersion("1")
            .setId(request.getId())
            .addOutputs(
                ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName("half")
                    .setDatatype("FP32")
                    .addShape(rows)
                    .addShape(2))
            .addRawOutputContents(ByteString.copyFrom(out.flip()))
            .build());
    observer.onCompleted();
  }

  private boolean failed(StreamObserver<?> observer) {
    Status failure;
    synchronized (this) {
      failure = alwaysFail != null ? alwaysFail : failures.poll();
    }
    if (failure != null) {
      observer.onError(failure.asRuntimeException());
      return true;
    }
    return false;
  }

  private static boolean unknown(String name, String version, StreamObserver<?> observer) {
    if (name.equals(MODEL) && (version.isEmpty() || version.equals("1"))) {
      return false;
    }
    observer.onError(
        Status.NOT_FOUND
            .withDescription(
                "Request for unknown model: '"
                    + name
                    + "'"
                    + (version.isEmpty() ? "" : " version " + version)
                    + " is not found")
            .asRuntimeException());
    return true;
  }
}
