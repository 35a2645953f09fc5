package io.mmserve.gateway.auth;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.mmserve.kit.server.RequestLoggingInterceptor;
import java.time.Duration;
import java.util.Optional;

/**
 * Lets a call through only with an API key that may make it: {@code authorization: Bearer KEY}
 * metadata (the HTTP Authorization header on the HTTP/JSON routes). No or an unknown key is
 * UNAUTHENTICATED, a key without the method's {@link Permission} is PERMISSION_DENIED. gRPC health
 * is always open (probes); server reflection is open unless closed by configuration.
 *
 * <p>The key id (never the key) of an accepted call is put into the call's headers as {@value
 * #KEY_ID_HEADER} for the request log line (a client's own value of that header is dropped first)
 * and counts the call in {@value #REQUESTS}{@code {key, method, status}}.
 *
 * <p>An accepted call is then held to the key's limits by the {@link KeyLimitGate} (calls and items
 * per second, calls in flight): over one, RESOURCE_EXHAUSTED with a retry pushback, before the
 * service sees the call.
 *
 * <p>With no keys ({@link #open}) every call passes, without limits; the header is still dropped.
 */
public final class ApiKeyInterceptor implements ServerInterceptor {
  /** Calls by key id, method and status. */
  public static final String REQUESTS = "mmserve.gateway.key.requests";

  public static final String KEY_ID_HEADER = RequestLoggingInterceptor.CALLER_HEADER;
  public static final Metadata.Key<String> KEY_ID =
      Metadata.Key.of(KEY_ID_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "Bearer ";
  private static final String REFLECTION_PREFIX = "grpc.reflection.";

  private final ApiKeys keys;
  private final boolean reflectionOpen;
  private final KeyLimitGate limits;
  private final MeterRegistry registry;

  /**
   * @param keys the accepted keys, or null for no check at all
   * @param reflectionOpen whether server reflection may be called without a key
   * @param limits holds each key's calls to its limits
   * @param registry where {@value #REQUESTS} goes
   */
  public ApiKeyInterceptor(
      ApiKeys keys, boolean reflectionOpen, KeyLimitGate limits, MeterRegistry registry) {
    this.keys = keys;
    this.reflectionOpen = reflectionOpen;
    this.limits = limits;
    this.registry = registry;
  }

  /** As the four-argument constructor, with no key limited. */
  public ApiKeyInterceptor(ApiKeys keys, boolean reflectionOpen, MeterRegistry registry) {
    this(
        keys,
        reflectionOpen,
        new KeyLimitGate(KeyLimits.UNLIMITED, System::nanoTime, Duration.ofMillis(1), registry),
        registry);
  }

  /** An interceptor that checks nothing (no keys file): only drops a client's key-id header. */
  public static ApiKeyInterceptor open(MeterRegistry registry) {
    return new ApiKeyInterceptor(null, true, registry);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    headers.discardAll(KEY_ID);
    String method = call.getMethodDescriptor().getFullMethodName();
    if (keys == null || isOpen(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    Optional<ApiKey> key = Optional.ofNullable(headers.get(AUTHORIZATION)).flatMap(this::keyOf);
    if (key.isEmpty()) {
      return refuse(
          call,
          Status.UNAUTHENTICATED.withDescription(
              "a valid API key is required: send metadata authorization: Bearer <key>"));
    }
    String id = key.get().id();
    headers.put(KEY_ID, id); // for the request log line, refused or not
    if (!key.get().permission().allows(method)) {
      count(id, method, Status.Code.PERMISSION_DENIED);
      return refuse(
          call,
          Status.PERMISSION_DENIED.withDescription(
              "API key " + id + " (" + key.get().permission().word() + ") may not call " + method));
    }
    ServerCall<Q, R> counted =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            count(id, method, status.getCode());
            super.close(status, trailers);
          }
        };
    return limits.startCall(key.get(), counted, headers, next);
  }

  private boolean isOpen(String service) {
    return HealthGrpc.SERVICE_NAME.equals(service)
        || (reflectionOpen && service != null && service.startsWith(REFLECTION_PREFIX));
  }

  private Optional<ApiKey> keyOf(String authorization) {
    if (authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Optional.empty();
    }
    return keys.authenticate(authorization.substring(BEARER.length()).strip());
  }

  private void count(String id, String method, Status.Code code) {
    Counter.builder(REQUESTS)
        .description("gateway calls by API key id, method and status")
        .tag("key", id)
        .tag("method", method)
        .tag("status", code.name())
        .register(registry)
        .increment();
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
