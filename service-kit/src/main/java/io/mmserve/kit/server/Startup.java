package io.mmserve.kit.server;

import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.mmserve.kit.tracing.Tracing;
import java.util.Deque;

/**
 * What {@link ServiceRunner} hands a service while it builds its objects: the shared server
 * settings, the registry for its meters, and a place to leave what it opens to be closed.
 *
 * <p>Used on the runner's thread during start-up only.
 */
public final class Startup {
  private final ServerConfig server;
  private final MeterRegistry meters;
  private final Tracing tracing;
  private final Deque<AutoCloseable> closeFirst;
  private final NettyTransport transport;

  /**
   * @param closeFirst the runner's resources, closed from the head: what is handed over here is
   *     pushed onto it
   * @param transport the server's event loops, which {@link #onServerEventLoops} puts channels on
   */
  Startup(
      ServerConfig server,
      MeterRegistry meters,
      Tracing tracing,
      Deque<AutoCloseable> closeFirst,
      NettyTransport transport) {
    this.server = server;
    this.meters = meters;
    this.tracing = tracing;
    this.closeFirst = closeFirst;
    this.transport = transport;
  }

  /** The settings every server shares (ports, message size, shutdown grace). */
  public ServerConfig server() {
    return server;
  }

  /** Where the service's own meters go; it is served on the admin port's {@code /metrics}. */
  public MeterRegistry meters() {
    return meters;
  }

  /**
   * The service's tracing (the {@code OTEL_*} variables): its tracer for the service's own spans
   * and the interceptors of the channels it opens. Owned by the runner.
   */
  public Tracing tracing() {
    return tracing;
  }

  /**
   * {@code builder}, its channel put on the gRPC server's I/O threads ({@link
   * NettyTransport#applyTo(ManagedChannelBuilder)}): a service whose calls wait on another
   * service's answers writes them back without a hand-off between threads. The channel must be
   * closed through {@link #closeOnStop}, so that it closes before the event loops.
   */
  public ManagedChannelBuilder<?> onServerEventLoops(ManagedChannelBuilder<?> builder) {
    return transport.applyTo(builder);
  }

  /**
   * Hands {@code resource} to the runner, which closes it after the servers have stopped, or at
   * once if start-up fails; resources close in the reverse order of this call (an encoder before
   * the backend it was built on).
   *
   * @return {@code resource}, for use in an expression
   */
  public <T extends AutoCloseable> T closeOnStop(T resource) {
    closeFirst.push(resource);
    return resource;
  }
}
