package io.mmserve.kit.errors;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives a service method's exceptions their proper status instead of {@code UNKNOWN}.
 *
 * <p>Two paths are covered: an exception thrown out of a service method (caught in the listener
 * callbacks), and a non-status exception passed to {@code StreamObserver.onError}, which grpc-java
 * turns into {@code UNKNOWN} with the exception as cause (re-mapped in {@code close}). Both go
 * through {@link StatusMapper}, trailers included (structured details, retry hints).
 *
 * <p>Install it as the innermost interceptor (the first one added to a {@code ServerBuilder}), so
 * logging and metrics interceptors outside it see the mapped status.
 */
public final class ExceptionMappingInterceptor implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(ExceptionMappingInterceptor.class);

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    MappingCall<ReqT, RespT> mappingCall = new MappingCall<>(call);
    ServerCall.Listener<ReqT> listener;
    try {
      listener = next.startCall(mappingCall, headers);
    } catch (RuntimeException e) {
      mappingCall.closeWith(e);
      return new ServerCall.Listener<>() {};
    }
    return new GuardedListener<>(listener, mappingCall);
  }

  /** Re-maps {@code UNKNOWN} statuses that carry a cause, and remembers that the call is closed. */
  private static final class MappingCall<ReqT, RespT>
      extends SimpleForwardingServerCall<ReqT, RespT> {
    private volatile boolean closed;

    MappingCall(ServerCall<ReqT, RespT> delegate) {
      super(delegate);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      closed = true;
      if (status.getCode() == Status.Code.UNKNOWN && status.getCause() != null) {
        // grpc-java's ServerCalls close a call whose onError got a non-status exception this way
        trailers.merge(StatusMapper.trailersOf(status.getCause()));
        super.close(StatusMapper.toStatus(status.getCause()), trailers);
      } else {
        super.close(status, trailers);
      }
    }

    void closeWith(RuntimeException e) {
      if (closed) {
        log.warn("exception after {} was closed", getMethodDescriptor().getFullMethodName(), e);
        return;
      }
      close(StatusMapper.toStatus(e), StatusMapper.trailersOf(e));
    }
  }

  /** Catches what a service method throws and closes the call with the mapped status. */
  private static final class GuardedListener<ReqT>
      extends SimpleForwardingServerCallListener<ReqT> {
    private final MappingCall<ReqT, ?> call;

    GuardedListener(ServerCall.Listener<ReqT> delegate, MappingCall<ReqT, ?> call) {
      super(delegate);
      this.call = call;
    }

    @Override
    public void onMessage(ReqT message) {
      try {
        super.onMessage(message);
      } catch (RuntimeException e) {
        call.closeWith(e);
      }
    }

    @Override
    public void onHalfClose() {
      try {
        super.onHalfClose();
      } catch (RuntimeException e) {
        call.closeWith(e);
      }
    }

    @Override
    public void onReady() {
      try {
        super.onReady();
      } catch (RuntimeException e) {
        call.closeWith(e);
      }
    }

    @Override
    public void onCancel() {
      try {
        super.onCancel();
      } catch (RuntimeException e) {
        log.warn("exception in onCancel of {}", call.getMethodDescriptor().getFullMethodName(), e);
      }
    }

    @Override
    public void onComplete() {
      try {
        super.onComplete();
      } catch (RuntimeException e) {
        log.warn(
            "exception in onComplete of {}", call.getMethodDescriptor().getFullMethodName(), e);
      }
    }
  }
}
