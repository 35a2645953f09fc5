package io.mmserve.triton;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.util.function.BooleanSupplier;

/**
 * Makes gRPC health Check answer NOT_SERVING while the inference backend is not ready (Triton down
 * or its model not loaded), whatever the server's own health says; when the backend is ready the
 * server's health service answers as usual. The readiness check runs on the call's thread and is
 * bounded by the backend's ready timeout, so a Check never hangs on a dead Triton.
 *
 * <p>Only Check is covered; Watch streams report the server's own status.
 */
public final class ReadinessHealthInterceptor implements ServerInterceptor {
  private static final String CHECK = HealthGrpc.getCheckMethod().getFullMethodName();

  private final BooleanSupplier backendReady;

  public ReadinessHealthInterceptor(BooleanSupplier backendReady) {
    this.backendReady = backendReady;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    if (!CHECK.equals(call.getMethodDescriptor().getFullMethodName())) {
      return next.startCall(call, headers);
    }
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean answered;

      @Override
      public void onHalfClose() {
        if (backendReady.getAsBoolean()) {
          super.onHalfClose();
          return;
        }
        answered = true;
        @SuppressWarnings("unchecked") // the Check method's response type
        A notServing =
            (A) HealthCheckResponse.newBuilder().setStatus(ServingStatus.NOT_SERVING).build();
        call.sendHeaders(new Metadata());
        call.sendMessage(notServing);
        call.close(Status.OK, new Metadata());
      }

      @Override
      public void onCancel() {
        if (!answered) {
          super.onCancel();
        }
      }

      @Override
      public void onComplete() {
        if (!answered) {
          super.onComplete();
        }
      }
    };
  }
}
