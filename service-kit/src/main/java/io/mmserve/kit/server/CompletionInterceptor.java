package io.mmserve.kit.server;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Calls {@link #callCompleted} exactly once per call with the final status and the time since the
 * call started: when the server closes the call, or with {@code CANCELLED} when the client cancels
 * it (or its deadline passes) first. A call the transport refused for its request bytes ({@link
 * InboundBytes}) also ends as cancelled here; it is reported with the status its caller got. The
 * call's span is the one current when the call starts (the tracing interceptor's, outside this
 * one), invalid when tracing is off.
 */
abstract class CompletionInterceptor implements ServerInterceptor {
  private final LongSupplier nanoTime;

  CompletionInterceptor(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** Called once per call, on the thread that closed or cancelled it. */
  protected abstract void callCompleted(
      String fullMethodName, Status status, long elapsedNanos, SpanContext span);

  /**
   * Called once per call like {@link #callCompleted(String, Status, long, SpanContext)}, which it
   * calls, with the call's request headers as they are by then (an inner interceptor may have added
   * to them).
   */
  protected void callCompleted(
      String fullMethodName, Status status, long elapsedNanos, Metadata headers, SpanContext span) {
    callCompleted(fullMethodName, status, elapsedNanos, span);
  }

  @Override
  public final <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    long start = nanoTime.getAsLong();
    String method = call.getMethodDescriptor().getFullMethodName();
    SpanContext span = Span.current().getSpanContext();
    AtomicBoolean done = new AtomicBoolean();
    ServerCall<ReqT, RespT> observed =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            if (done.compareAndSet(false, true)) {
              callCompleted(method, status, nanoTime.getAsLong() - start, headers, span);
            }
            super.close(status, trailers);
          }
        };
    return new SimpleForwardingServerCallListener<>(next.startCall(observed, headers)) {
      @Override
      public void onCancel() {
        if (done.compareAndSet(false, true)) {
          Status refusal = InboundBytes.refusalOfCurrentCall();
          Status status = refusal != null ? refusal : Status.CANCELLED;
          callCompleted(method, status, nanoTime.getAsLong() - start, headers, span);
        }
        super.onCancel();
      }
    };
  }
}
