package io.mmserve.kit.server;

import io.grpc.Metadata;
import io.grpc.Status;
import io.opentelemetry.api.trace.SpanContext;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line per call: method, status code and latency. Successful calls log at debug, client
 * errors at info, server errors ({@code INTERNAL}, {@code UNKNOWN}, {@code DATA_LOSS}) at warn.
 * Only the status description is logged, never the payload. A call whose headers hold {@value
 * #CALLER_HEADER} by the time it completes (the gateway's API key check puts the key id there,
 * never the key) logs it as {@code key=ID}. A traced call's line ends with {@code trace_id=<32 hex>
 * span_id=<16 hex>} (its server span), so the log line and the trace join.
 *
 * <p>With debug off (the default), a successful call costs one level check: nothing is formatted
 * and the headers are not read.
 */
public final class RequestLoggingInterceptor extends CompletionInterceptor {
  private static final Logger log = LoggerFactory.getLogger(RequestLoggingInterceptor.class);

  /** The request header an inner interceptor sets to name the caller in the log line. */
  public static final String CALLER_HEADER = "mmserve-key-id";

  private static final Metadata.Key<String> CALLER =
      Metadata.Key.of(CALLER_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  public RequestLoggingInterceptor(LongSupplier nanoTime) {
    super(nanoTime);
  }

  public RequestLoggingInterceptor() {
    this(System::nanoTime);
  }

  @Override
  protected void callCompleted(
      String method, Status status, long elapsedNanos, Metadata headers, SpanContext span) {
    if (status.isOk() && !log.isDebugEnabled()) {
      return; // the hot path: a successful call's line is off unless debug is on
    }
    String caller = headers.get(CALLER);
    callCompleted(caller == null ? method : method + " key=" + caller, status, elapsedNanos, span);
  }

  @Override
  protected void callCompleted(String method, Status status, long elapsedNanos, SpanContext span) {
    long micros = elapsedNanos / 1_000;
    String trace = traceOf(span);
    switch (status.getCode()) {
      case OK -> log.debug("{} OK in {} us{}", method, micros, trace);
      case INTERNAL, UNKNOWN, DATA_LOSS ->
          log.warn(
              "{} {} in {} us: {}{}",
              method,
              status.getCode(),
              micros,
              status.getDescription(),
              trace);
      default ->
          log.info(
              "{} {} in {} us: {}{}",
              method,
              status.getCode(),
              micros,
              status.getDescription(),
              trace);
    }
  }

  /** The log line's tail naming the call's span; empty for a call that is not traced. */
  static String traceOf(SpanContext span) {
    if (!span.isValid()) {
      return "";
    }
    return " trace_id=" + span.getTraceId() + " span_id=" + span.getSpanId();
  }
}
