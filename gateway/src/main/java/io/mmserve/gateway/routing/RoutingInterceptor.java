package io.mmserve.gateway.routing;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Gives every call of the model methods a {@link RoutedCall} (with the {@value RouteKeys#HEADER}
 * header's key) and, when the call ends, records it in {@link ModelRequestMetrics} with the model
 * version that served it: once when the server closes the call, or as CANCELLED when the client
 * cancels first. Calls of other methods (Delete, ListCollections, health) pass untouched.
 */
public final class RoutingInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> ROUTE_KEY =
      Metadata.Key.of(RouteKeys.HEADER, Metadata.ASCII_STRING_MARSHALLER);

  /** The public methods that run a model. */
  static final Set<String> MODEL_METHODS =
      Set.of(
          "mmserve.v1.Multimodal/EmbedText",
          "mmserve.v1.Multimodal/EmbedImage",
          "mmserve.v1.Multimodal/Classify",
          "mmserve.v1.Multimodal/Rank",
          "mmserve.v1.Multimodal/Match",
          "mmserve.v1.Multimodal/Score",
          "mmserve.v1.Multimodal/Upsert",
          "mmserve.v1.Multimodal/Search");

  /** The longest routing key used; a longer one is cut (the bucket needs no more). */
  static final int MAX_KEY_CHARS = 256;

  private final ModelRequestMetrics metrics;
  private final LongSupplier nanoTime;

  public RoutingInterceptor(ModelRequestMetrics metrics, LongSupplier nanoTime) {
    this.metrics = metrics;
    this.nanoTime = nanoTime;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (!MODEL_METHODS.contains(method)) {
      return next.startCall(call, headers);
    }
    long start = nanoTime.getAsLong();
    RoutedCall routed = new RoutedCall(routeKey(headers));
    AtomicBoolean done = new AtomicBoolean();
    ServerCall<ReqT, RespT> observed =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            if (done.compareAndSet(false, true)) {
              metrics.record(method, routed, status, nanoTime.getAsLong() - start);
            }
            super.close(status, trailers);
          }
        };
    Context context = Context.current().withValue(RoutedCall.KEY, routed);
    return new SimpleForwardingServerCallListener<>(
        Contexts.interceptCall(context, observed, headers, next)) {
      @Override
      public void onCancel() {
        if (done.compareAndSet(false, true)) {
          metrics.record(method, routed, Status.CANCELLED, nanoTime.getAsLong() - start);
        }
        super.onCancel();
      }
    };
  }

  private static Optional<String> routeKey(Metadata headers) {
    String key = headers.get(ROUTE_KEY);
    if (key == null || key.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(key.length() > MAX_KEY_CHARS ? key.substring(0, MAX_KEY_CHARS) : key);
  }
}
