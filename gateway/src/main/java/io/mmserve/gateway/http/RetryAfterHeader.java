package io.mmserve.gateway.http;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.mmserve.gateway.auth.KeyLimitGate;
import java.util.Optional;

/**
 * On the HTTP port, turns a call's {@value KeyLimitGate#PUSHBACK_HEADER} trailer (a key over its
 * limit) into the HTTP response's {@code Retry-After} header, in whole seconds rounded up; a
 * negative pushback (never retry) gets none. The HTTP status itself (429 for RESOURCE_EXHAUSTED)
 * comes from the status mapping. Must run outside the API key check (added after it). Stateless.
 */
final class RetryAfterHeader implements ServerInterceptor {
  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    if (ctx == null) {
      return next.startCall(call, headers);
    }
    return next.startCall(
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            String millis = trailers.get(KeyLimitGate.PUSHBACK);
            if (millis != null) {
              seconds(millis)
                  .ifPresent(s -> ctx.addAdditionalResponseHeader(HttpHeaderNames.RETRY_AFTER, s));
            }
            super.close(status, trailers);
          }
        },
        headers);
  }

  /** {@code millis} as whole seconds rounded up, none if negative or not a number. */
  static Optional<String> seconds(String millis) {
    try {
      long ms = Long.parseLong(millis);
      return ms < 0 ? Optional.empty() : Optional.of(Long.toString((ms + 999) / 1000));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
