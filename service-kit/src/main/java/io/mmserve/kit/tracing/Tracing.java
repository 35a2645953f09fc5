package io.mmserve.kit.tracing;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerInterceptor;
import io.mmserve.kit.config.ConfigException;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A service's tracing: the OpenTelemetry SDK configured by the standard {@code OTEL_*} environment
 * variables (its autoconfigure module), the gRPC interceptors of OpenTelemetry's gRPC
 * instrumentation, and the tracer for the service's own spans (batching, preprocessing, model
 * calls, fusion).
 *
 * <p>Off unless the environment asks for it ({@link TracingSwitch}): then {@link #tracer()} is the
 * no-op tracer, {@link #serverInterceptors()} and {@link #clientInterceptors()} are empty, and no
 * SDK, exporter or thread exists. On, the W3C {@code traceparent} of a call is read by the server
 * interceptor and written on every outgoing call by the client interceptor.
 *
 * <p>Made once by {@link io.mmserve.kit.server.ServiceRunner}, which closes it after the servers
 * and everything the service built have stopped, so the last spans are flushed. Thread-safe.
 */
public final class Tracing implements AutoCloseable {
  /** The instrumentation scope of mmserve's own spans. */
  public static final String SCOPE = "io.mmserve";

  private static final long FLUSH_SECONDS = 5;
  private static final Tracing OFF = new Tracing(OpenTelemetry.noop(), null, false);

  private final OpenTelemetry openTelemetry;
  private final OpenTelemetrySdk sdk; // null unless built here from the environment
  private final boolean enabled;
  private final Tracer tracer;
  private final GrpcTelemetry grpc;

  private Tracing(OpenTelemetry openTelemetry, OpenTelemetrySdk sdk, boolean enabled) {
    this.openTelemetry = openTelemetry;
    this.sdk = sdk;
    this.enabled = enabled;
    this.tracer = openTelemetry.getTracer(SCOPE);
    this.grpc = enabled ? GrpcTelemetry.create(openTelemetry) : null;
  }

  /** No tracing at all: the no-op tracer and no interceptors. */
  public static Tracing off() {
    return OFF;
  }

  /**
   * Tracing through {@code openTelemetry}, which the caller owns (tests pass an SDK with an
   * in-memory exporter); {@link #close()} leaves it open.
   */
  public static Tracing of(OpenTelemetry openTelemetry) {
    return new Tracing(openTelemetry, null, true);
  }

  /**
   * Tracing as the {@code OTEL_*} variables of {@code env} ask: {@link #off()} unless they ask for
   * an exporter, else an SDK built by OpenTelemetry's autoconfigure with {@code serviceName} as
   * {@code service.name} unless {@code OTEL_SERVICE_NAME} says otherwise.
   *
   * @throws ConfigException naming the variable, if a value is bad
   */
  public static Tracing fromEnvironment(String serviceName, Map<String, String> env) {
    if (!TracingSwitch.enabled(env)) {
      return OFF;
    }
    Map<String, String> properties = TracingSwitch.properties(serviceName, env);
    try {
      OpenTelemetrySdk sdk =
          AutoConfiguredOpenTelemetrySdk.builder()
              .addPropertiesSupplier(() -> properties)
              .disableShutdownHook() // the runner closes it after the servers, flushing spans
              .build()
              .getOpenTelemetrySdk();
      return new Tracing(sdk, sdk, true);
    } catch (ConfigurationException e) {
      throw new ConfigException("bad OTEL_* tracing configuration: " + e.getMessage());
    }
  }

  /** True if spans are recorded and exported (or handed to the given OpenTelemetry). */
  public boolean enabled() {
    return enabled;
  }

  /** The tracer of mmserve's own spans; the no-op tracer when tracing is off. */
  public Tracer tracer() {
    return tracer;
  }

  /** The OpenTelemetry instance behind this tracing; the no-op one when off. */
  public OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  /**
   * The interceptor that starts each call's server span, child of the caller's {@code traceparent}
   * if any, and makes it current while the call's handlers run; none when off. Add it outside the
   * other interceptors, so the request log sees the span.
   */
  public List<ServerInterceptor> serverInterceptors() {
    return grpc == null ? List.of() : List.of(grpc.createServerInterceptor());
  }

  /**
   * The interceptor that starts each outgoing call's client span, child of the current context, and
   * sends its {@code traceparent}; none when off.
   */
  public List<ClientInterceptor> clientInterceptors() {
    return grpc == null ? List.of() : List.of(grpc.createClientInterceptor());
  }

  /** Adds {@link #clientInterceptors()} to {@code builder}; returns it. */
  public <B extends ManagedChannelBuilder<?>> B instrument(B builder) {
    if (grpc != null) {
      builder.intercept(clientInterceptors());
    }
    return builder;
  }

  /** Flushes and stops the SDK built by {@link #fromEnvironment}; nothing for the others. */
  @Override
  public void close() {
    if (sdk != null) {
      sdk.shutdown().join(FLUSH_SECONDS, TimeUnit.SECONDS);
    }
  }

  @Override
  public String toString() {
    return enabled ? "tracing on" : "tracing off";
  }
}
