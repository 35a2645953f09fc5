package io.mmserve.kit.server;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Filter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the bytes of request messages a server holds at once, {@value #KEY}: counted from the
 * moment the transport reads them off the connection until the call ends, whether they are still
 * arriving (in the transport's direct buffers) or read (on the heap, while the service works on
 * them).
 *
 * <p>grpc-java by itself has no such bound: it keeps every request's bytes until its message is
 * complete, so a burst of large requests (images) can exhaust the JVM's direct memory, and Netty
 * then fails the whole connection. Here a call whose next bytes would take the server past the
 * bound is refused with UNAVAILABLE, naming the method, the bytes and the setting, and its bytes
 * are released at once; the other calls, on the same connection or not, go on. A call that is the
 * only one holding bytes is never refused, so any message within {@code
 * grpc.max-inbound-message-size} can be served when the server is otherwise idle. Nor is a call
 * while it holds at most {@value #SMALL_BYTES} bytes: a caller's text or small image is not refused
 * because other callers' large photos fill the bound. Such calls are still counted, so they can
 * take the total past the bound by their own small size, and larger calls wait for them.
 *
 * <p>One request larger than {@link #ceiling()} (by default a third of the direct memory limit,
 * {@link #defaultCeiling()}) is refused even alone, with RESOURCE_EXHAUSTED: it cannot be held.
 *
 * <p>UNAVAILABLE, not RESOURCE_EXHAUSTED: the request itself fits and was not worked on, so a
 * client may retry it (another replica, or this one a moment later). The refusal is made from the
 * stream tracer the transport reports each read to ({@link ServerStreamTracer#inboundWireSize}):
 * grpc-java then ends the stream with that status as trailers, as it does for a message over the
 * size limit. {@code InboundBytesIT} checks that behaviour over a real connection.
 *
 * <p>Each refusal is one WARN line here. grpc-java would also log it with a stack trace (a burst
 * would fill the log), so that one record is filtered out of its logger.
 *
 * <p>Meters: the gauge {@value #IN_FLIGHT} (bytes held now) and the counter {@value #REFUSED}
 * tagged with {@code method}. The interceptors see a refused call only as cancelled (the transport
 * ends it before the service answers); {@link #refusalOfCurrentCall()} gives them the status the
 * caller got instead, so the request metrics and the request log count it as UNAVAILABLE or
 * RESOURCE_EXHAUSTED, not CANCELLED.
 */
public final class InboundBytes extends ServerStreamTracer.Factory {
  public static final String KEY = "grpc.max-inbound-bytes-in-flight";
  public static final String IN_FLIGHT = "mmserve.grpc.server.inbound.bytes";
  public static final String REFUSED = "mmserve.grpc.server.inbound.refused";

  /** A call holding this many bytes or fewer is never refused (64 KiB). */
  public static final long SMALL_BYTES = 64 * 1024;

  private static final Logger log = LoggerFactory.getLogger(InboundBytes.class);

  /** The status a call was refused with, set in the call's context by its tracer. */
  private static final Context.Key<AtomicReference<Status>> REFUSAL =
      Context.key("mmserve-inbound-refusal");

  /** grpc-java's logger of failed reads; kept here, or its filter could go with a collected one. */
  private static final java.util.logging.Logger GRPC_STREAM_LOG =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");

  static {
    Filter previous = GRPC_STREAM_LOG.getFilter();
    GRPC_STREAM_LOG.setFilter(
        record ->
            !(record.getThrown() instanceof Refusal)
                && (previous == null || previous.isLoggable(record)));
  }

  private final long limit;
  private final long ceiling;
  private final AtomicLong held = new AtomicLong();
  private final MeterRegistry registry;

  /**
   * @param limit most request bytes held at once, positive
   * @param ceiling most bytes of one request, positive: a request past it is refused even alone
   *     ({@link #defaultCeiling()})
   * @param registry where the meters go
   */
  public InboundBytes(long limit, long ceiling, MeterRegistry registry) {
    if (limit <= 0 || ceiling <= 0) {
      throw new IllegalArgumentException(
          "limit and ceiling must be positive: " + limit + ", " + ceiling);
    }
    this.limit = limit;
    this.ceiling = ceiling;
    this.registry = registry;
    Gauge.builder(IN_FLIGHT, held, AtomicLong::get)
        .description("Bytes of request messages the server holds (read or arriving)")
        .baseUnit("bytes")
        .register(registry);
  }

  /**
   * The default bound: a quarter of the smaller of the JVM's largest heap and its direct memory
   * limit. A request's bytes are held in direct buffers while they arrive and on the heap once
   * read; the rest of direct memory is for what the server writes (a gateway's encoder calls) and
   * for the slack of Netty's pooled buffers around the bytes counted here.
   */
  public static long defaultLimit() {
    return Math.min(Runtime.getRuntime().maxMemory(), PlatformDependent.maxDirectMemory()) / 4;
  }

  /**
   * The default ceiling of one request: a third of the JVM's direct memory limit. Netty holds a
   * request that is still arriving in about twice its size of direct memory (its read buffers and
   * the HTTP/2 decoder's cumulation, which the message's frames keep alive): a 45 MB request took
   * 103 MB in the gateway. A larger request would fail the allocation, and with it every call on
   * the connection, so it is refused on its own instead.
   */
  public static long defaultCeiling() {
    return PlatformDependent.maxDirectMemory() / 3;
  }

  /** The bound in bytes. */
  public long limit() {
    return limit;
  }

  /** The most bytes of one request. */
  public long ceiling() {
    return ceiling;
  }

  /** Bytes held now. */
  public long held() {
    return held.get();
  }

  /**
   * The status the current call (the one whose context is current) was refused with, or null when
   * this class did not refuse it.
   */
  static Status refusalOfCurrentCall() {
    AtomicReference<Status> refusal = REFUSAL.get();
    return refusal == null ? null : refusal.get();
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    return new Call(fullMethodName);
  }

  /** One call's bytes: added as the transport reads them, released when the call ends. */
  private final class Call extends ServerStreamTracer {
    private final String method;
    private final AtomicLong mine = new AtomicLong();
    private final AtomicReference<Status> refusal = new AtomicReference<>();
    private volatile boolean done; // refused or closed: later reads are not counted

    Call(String method) {
      this.method = method;
    }

    @Override
    public Context filterContext(Context context) {
      return context.withValue(REFUSAL, refusal);
    }

    @Override
    public void inboundWireSize(long bytes) {
      if (bytes <= 0 || done) {
        return;
      }
      long own = mine.addAndGet(bytes);
      long total = held.addAndGet(bytes);
      if (own > ceiling) {
        throw refuse(
            Status.RESOURCE_EXHAUSTED.withDescription(
                method
                    + ": this request's "
                    + own
                    + " bytes so far are more than one request may take in this server's direct"
                    + " memory ("
                    + ceiling
                    + " bytes, a third of -XX:MaxDirectMemorySize); send a smaller request (fewer"
                    + " or smaller images), or give the server more direct memory"));
      }
      if (total > limit && own > SMALL_BYTES && total > own) {
        throw refuse(
            Status.UNAVAILABLE.withDescription(
                method
                    + ": overloaded: the server holds "
                    + (total - own)
                    + " bytes of other requests, and this one's "
                    + own
                    + " bytes so far would take it past "
                    + KEY
                    + "="
                    + limit
                    + "; retry later or on another replica"));
      }
    }

    /** Marks this call refused, releases its bytes, counts and logs the refusal. */
    private Refusal refuse(Status status) {
      done = true;
      refusal.set(status);
      held.addAndGet(-mine.getAndSet(0));
      Counter.builder(REFUSED)
          .description("Calls refused for the request bytes the server holds or one request")
          .tag("method", method)
          .register(registry)
          .increment();
      log.warn("refused a call: {}", status.getDescription());
      return new Refusal(status);
    }

    @Override
    public void streamClosed(Status status) {
      done = true;
      held.addAndGet(-mine.getAndSet(0));
    }
  }

  /** The refusal thrown to the transport; its stack trace says nothing, so none is taken. */
  private static final class Refusal extends StatusRuntimeException {
    Refusal(Status status) {
      super(status);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
