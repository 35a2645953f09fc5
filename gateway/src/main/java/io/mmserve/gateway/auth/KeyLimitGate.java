package io.mmserve.gateway.auth;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Holds an authenticated key's call to its limits ({@link KeyLimits}) before the service sees it: a
 * slot of the key's concurrency and a call token when the call starts, the request's {@link
 * RequestItems} in item tokens when its message arrives (before the service method runs, so a
 * refused call never reaches batching or an encoder). Over a limit, the call is closed with
 * RESOURCE_EXHAUSTED naming the key id and the limit, and the trailer {@value #PUSHBACK_HEADER}
 * saying when to retry ({@code -1}: never, the call has more items than the key's burst), and
 * counted in {@value #LIMITED}{@code {key, limit}}.
 *
 * <p>The slot is released exactly once, whichever comes first: the call closed by the service or by
 * a refusal, its completion, its cancellation (by the client, a deadline or a broken connection).
 * Used by {@link ApiKeyInterceptor} on the transport's threads.
 */
public final class KeyLimitGate {
  /** Calls refused by a key limit, by key id and limit ({@link LimitKind#label()}). */
  public static final String LIMITED = "mmserve.gateway.key.limited";

  /** gRPC's retry pushback trailer (gRFC A6): milliseconds to wait, negative for never. */
  public static final String PUSHBACK_HEADER = "grpc-retry-pushback-ms";

  public static final Metadata.Key<String> PUSHBACK =
      Metadata.Key.of(PUSHBACK_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  private final KeyLimiters limiters;
  private final MeterRegistry registry;

  /**
   * @param defaults the limits of keys that set none of their own
   * @param nanoTime the clock the buckets refill by
   * @param concurrencyRetry the pushback of a call refused for concurrency
   */
  public KeyLimitGate(
      KeyLimits defaults,
      LongSupplier nanoTime,
      Duration concurrencyRetry,
      MeterRegistry registry) {
    this.limiters = new KeyLimiters(defaults, nanoTime, concurrencyRetry);
    this.registry = registry;
  }

  /** Starts {@code call} for {@code key} if its limits allow, else closes it refused. */
  <Q, R> ServerCall.Listener<Q> startCall(
      ApiKey key, ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    KeyLimiter limiter = limiters.limiterFor(key);
    if (limiter == null) {
      return next.startCall(call, headers);
    }
    KeyLimiter.Admission admission = limiter.tryStart();
    if (admission.refusal().isPresent()) {
      refuse(key.id(), call, admission.refusal().get());
      return new ServerCall.Listener<>() {};
    }
    KeyLimiter.Slot slot = admission.slot().orElseThrow();
    ServerCall<Q, R> releasing =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            slot.release();
            super.close(status, trailers);
          }
        };
    ServerCall.Listener<Q> listener;
    try {
      listener = next.startCall(releasing, headers);
    } catch (RuntimeException | Error e) {
      slot.release();
      throw e;
    }
    return new ItemCheckingListener<>(listener, key.id(), limiter, releasing, slot);
  }

  private void refuse(String keyId, ServerCall<?, ?> call, LimitRefusal refusal) {
    Counter.builder(LIMITED)
        .description("gateway calls refused by a per-key limit, by key id and limit")
        .tag("key", keyId)
        .tag("limit", refusal.kind().label())
        .register(registry)
        .increment();
    Metadata trailers = new Metadata();
    trailers.put(PUSHBACK, Long.toString(refusal.retryAfterMillis()));
    call.close(Status.RESOURCE_EXHAUSTED.withDescription(refusal.message()), trailers);
  }

  /** Takes the message's items before passing it on; releases the slot when the call ends. */
  private final class ItemCheckingListener<Q> extends SimpleForwardingServerCallListener<Q> {
    private final String keyId;
    private final KeyLimiter limiter;
    private final ServerCall<Q, ?> call;
    private final KeyLimiter.Slot slot;
    private boolean refused; // the transport calls a listener from one thread at a time

    ItemCheckingListener(
        ServerCall.Listener<Q> delegate,
        String keyId,
        KeyLimiter limiter,
        ServerCall<Q, ?> call,
        KeyLimiter.Slot slot) {
      super(delegate);
      this.keyId = keyId;
      this.limiter = limiter;
      this.call = call;
      this.slot = slot;
    }

    @Override
    public void onMessage(Q message) {
      if (refused) {
        return;
      }
      String method = call.getMethodDescriptor().getBareMethodName();
      Optional<LimitRefusal> refusal = limiter.tryTakeItems(method, RequestItems.count(message));
      if (refusal.isPresent()) {
        refused = true;
        limiter.refundCall();
        refuse(keyId, call, refusal.get()); // closes through the releasing call: frees the slot
        return;
      }
      super.onMessage(message);
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        super.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      slot.release();
      super.onCancel();
    }

    @Override
    public void onComplete() {
      slot.release();
      super.onComplete();
    }
  }
}
