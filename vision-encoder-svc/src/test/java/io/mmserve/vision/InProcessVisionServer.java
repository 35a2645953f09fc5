package io.mmserve.vision;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.VisionEncoderGrpc;
import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.server.GrpcServer;
import io.mmserve.kit.server.ServerConfig;
import io.mmserve.vision.encoder.ImageEncoder;
import io.mmserve.vision.encoder.ImageLimits;
import io.mmserve.vision.encoder.RecordingBackend;
import io.mmserve.vision.image.ImageDecoder;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The service on an in-process server with direct executors, as the kit's {@link GrpcServer} builds
 * it (exception mapping included), over a real backend whose model calls are recorded.
 */
final class InProcessVisionServer implements AutoCloseable {
  static final int MAX_ITEMS = 4;
  static final long MAX_IMAGE_BYTES = 256 << 10;

  final RecordingBackend backend;
  private final ImageEncoder encoder;
  private final GrpcServer server;
  private final ManagedChannel channel;

  /** A server whose batcher calls the model once {@code batchSize} images are queued. */
  InProcessVisionServer(ModelPack pack, InferenceBackend onnx, int batchSize, Duration maxDelay)
      throws IOException {
    backend = new RecordingBackend(onnx);
    encoder =
        new ImageEncoder(
            new ModelRegistry(List.of(pack)),
            backend,
            new ImageLimits(MAX_ITEMS, MAX_IMAGE_BYTES, ImageDecoder.DEFAULT_MAX_PIXELS),
            BatchingSettings.ofItems(batchSize, maxDelay, 64, 1),
            2,
            new SimpleMeterRegistry());
    String name = InProcessServerBuilder.generateName();
    server =
        new GrpcServer(
                InProcessServerBuilder.forName(name).directExecutor(),
                List.of(new VisionEncoderService(encoder)),
                new ServerConfig("127.0.0.1", 0, "127.0.0.1", 0, 64 << 20, Duration.ofSeconds(5)),
                new SimpleMeterRegistry())
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  /** A server with the default batching: up to 32 images, 2 ms. */
  InProcessVisionServer(ModelPack pack, InferenceBackend onnx) throws IOException {
    this(pack, onnx, 32, Duration.ofMillis(2));
  }

  VisionEncoderGrpc.VisionEncoderBlockingStub stub() {
    return VisionEncoderGrpc.newBlockingStub(channel);
  }

  /** Starts a call and returns at once; the future completes with the response or the status. */
  CompletableFuture<EncodeImageResponse> call(EncodeImageRequest request) {
    CompletableFuture<EncodeImageResponse> result = new CompletableFuture<>();
    VisionEncoderGrpc.newStub(channel)
        .encodeImage(
            request,
            new StreamObserver<>() {
              @Override
              public void onNext(EncodeImageResponse value) {
                result.complete(value);
              }

              @Override
              public void onError(Throwable t) {
                result.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {}
            });
    return result;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.stop();
    encoder.close();
  }
}
