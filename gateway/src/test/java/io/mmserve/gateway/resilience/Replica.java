package io.mmserve.gateway.resilience;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A text-encoder replica on a loopback port, with a gRPC health service the test sets: it answers
 * with its address as the model name, fails with {@link #failWith} when set (for every model, or
 * only {@link #failOnlyModel}'s), or holds calls unanswered while {@link #hold} is set.
 */
final class Replica extends TextEncoderGrpc.TextEncoderImplBase implements AutoCloseable {
  final HealthStatusManager health = new HealthStatusManager();
  final AtomicInteger calls = new AtomicInteger();
  final List<StreamObserver<EncodeTextResponse>> held = new CopyOnWriteArrayList<>();
  final Server server;
  final String address;
  volatile Status failWith;

  /** When set, only requests naming this model fail with {@link #failWith}. */
  volatile String failOnlyModel;

  volatile Metadata failTrailers;
  volatile boolean hold;

  Replica() throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .directExecutor()
            .addService(this)
            .addService(health.getHealthService())
            .build()
            .start();
    address = "127.0.0.1:" + server.getPort();
  }

  void serving(boolean serving) {
    health.setStatus("", serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  @Override
  public void encodeText(EncodeTextRequest request, StreamObserver<EncodeTextResponse> out) {
    calls.incrementAndGet();
    if (hold) {
      held.add(out);
      return;
    }
    if (failWith != null && (failOnlyModel == null || failOnlyModel.equals(request.getModel()))) {
      out.onError(failWith.asRuntimeException(failTrailers));
      return;
    }
    answer(out);
  }

  void releaseHeld() {
    held.forEach(this::answer);
    held.clear();
  }

  private void answer(StreamObserver<EncodeTextResponse> out) {
    out.onNext(EncodeTextResponse.newBuilder().setModel(address).build());
    out.onCompleted();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
