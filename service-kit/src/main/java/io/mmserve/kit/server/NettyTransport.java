package io.mmserve.kit.server;

import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.mmserve.kit.config.Config;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The I/O transport and the call executor of a service's Netty gRPC server, from the settings
 * {@value #TRANSPORT} and {@value #EXECUTOR}, with the event loops it runs on.
 *
 * <p>{@value #TRANSPORT}: {@code auto} (the default) takes Netty's native epoll transport (bundled
 * in grpc-netty-shaded for Linux x86_64 and aarch64) when it loads here and NIO otherwise; {@code
 * epoll} asks for epoll and falls back to NIO with a warning when it cannot load (another OS, a
 * temp folder mounted noexec); {@code nio} always takes NIO. The choice and the reason for a
 * fallback are one log line at start ({@link Choice#describe()}).
 *
 * <p>{@value #EXECUTOR}: {@code pool} runs each call's service code on grpc-java's shared thread
 * pool (one thread hand-off per call each way); {@code direct} runs it on the event loop thread
 * that read the call, which saves the hand-offs but needs service methods that never block
 * (mmserve's gateway and text encoder only check, queue and return futures).
 *
 * <p>Made by {@link ServiceRunner}, which owns it and closes it after the gRPC server has stopped:
 * {@link #close()} shuts the event loops down.
 */
public final class NettyTransport implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);

  public static final String TRANSPORT = "grpc.transport";
  public static final String EXECUTOR = "grpc.executor";

  /** What {@value #TRANSPORT} asks for. */
  public enum Wanted {
    AUTO,
    EPOLL,
    NIO
  }

  /** The transport that runs. */
  public enum Kind {
    EPOLL,
    NIO
  }

  /** Where a call's service code runs. */
  public enum CallExecutor {
    POOL,
    DIRECT
  }

  /** Whether Netty's native epoll transport loads here, and why not. */
  interface EpollSupport {
    boolean available();

    Throwable unavailabilityCause();

    /** Netty's own answer (loads the bundled native library on first use). */
    static EpollSupport netty() {
      return new EpollSupport() {
        @Override
        public boolean available() {
          return Epoll.isAvailable();
        }

        @Override
        public Throwable unavailabilityCause() {
          return Epoll.unavailabilityCause();
        }
      };
    }
  }

  /**
   * The two settings.
   *
   * @param transport what {@value #TRANSPORT} asks for
   * @param executor where call code runs
   */
  public record Settings(Wanted transport, CallExecutor executor) {
    /** These settings with their defaults: {@code auto}, {@code pool}. */
    public static Map<String, String> defaults() {
      return Map.of(TRANSPORT, "auto", EXECUTOR, "pool");
    }

    /** Reads them; a bad value throws naming the key, the allowed values and the value. */
    public static Settings from(Config config) {
      return new Settings(
          config.getEnum(TRANSPORT, Wanted.class), config.getEnum(EXECUTOR, CallExecutor.class));
    }

    /** The defaults, for servers built without a config (tests). */
    public static Settings standard() {
      return from(Config.of(defaults()));
    }
  }

  /**
   * The transport chosen and why, as the start log line says it.
   *
   * @param kind the transport that runs
   * @param fellBack true when epoll was wanted but could not load
   * @param reason why: the setting, or the cause epoll did not load
   */
  public record Choice(Kind kind, boolean fellBack, String reason) {
    /** The log line's text, such as {@code "gRPC transport epoll (grpc.transport=auto)"}. */
    public String describe() {
      return "gRPC transport "
          + kind.name().toLowerCase(java.util.Locale.ROOT)
          + (fellBack ? "; epoll is not available here: " : " (")
          + reason
          + (fellBack ? "" : ")");
    }
  }

  private final Choice choice;
  private final CallExecutor executor;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;

  private NettyTransport(Choice choice, CallExecutor executor, int workerThreads) {
    this.choice = choice;
    this.executor = executor;
    String prefix = "grpc-" + choice.kind().name().toLowerCase(java.util.Locale.ROOT);
    this.boss = group(choice.kind(), 1, prefix + "-boss");
    this.workers = group(choice.kind(), workerThreads, prefix + "-worker");
  }

  /**
   * Chooses the transport (logging the choice) and starts its event loops: one acceptor thread and
   * one I/O thread per available processor, daemon threads named {@code grpc-epoll-worker-...} or
   * {@code grpc-nio-worker-...}.
   */
  public static NettyTransport open(Settings settings) {
    return open(settings, EpollSupport.netty());
  }

  static NettyTransport open(Settings settings, EpollSupport epoll) {
    Choice choice = choose(settings.transport(), epoll);
    if (choice.fellBack() && settings.transport() == Wanted.EPOLL) {
      log.warn("{}", choice.describe());
    } else {
      log.info("{}", choice.describe());
    }
    return new NettyTransport(
        choice, settings.executor(), Runtime.getRuntime().availableProcessors());
  }

  /** What runs for {@code wanted} where epoll is as {@code epoll} says. */
  static Choice choose(Wanted wanted, EpollSupport epoll) {
    String setting = TRANSPORT + "=" + wanted.name().toLowerCase(java.util.Locale.ROOT);
    if (wanted == Wanted.NIO) {
      return new Choice(Kind.NIO, false, setting);
    }
    if (epoll.available()) {
      return new Choice(Kind.EPOLL, false, setting);
    }
    Throwable cause = epoll.unavailabilityCause();
    return new Choice(Kind.NIO, true, cause == null ? "no cause given" : cause.toString());
  }

  /** The transport that runs and why. */
  public Choice choice() {
    return choice;
  }

  /** Where call code runs. */
  public CallExecutor executor() {
    return executor;
  }

  /** Sets the event loops, the server channel type and the call executor on {@code builder}. */
  public NettyServerBuilder applyTo(NettyServerBuilder builder) {
    Class<? extends ServerChannel> channel =
        choice.kind() == Kind.EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    builder.bossEventLoopGroup(boss).workerEventLoopGroup(workers).channelType(channel);
    if (executor == CallExecutor.DIRECT) {
      builder.directExecutor();
    }
    return builder;
  }

  /**
   * Puts a client channel on the server's I/O threads instead of grpc-java's own client event
   * loops, when {@code builder} is Netty's (it is whenever grpc-netty-shaded provides the channel,
   * as in every mmserve service): an answer that arrives on the thread that serves the caller's
   * connection is written back without a hand-off to another thread. The channels must be shut down
   * before {@link #close()}. Another builder is returned as it is.
   */
  public ManagedChannelBuilder<?> applyTo(ManagedChannelBuilder<?> builder) {
    if (builder instanceof NettyChannelBuilder netty) {
      Class<? extends Channel> channel =
          choice.kind() == Kind.EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
      netty.eventLoopGroup(workers).channelType(channel);
    }
    return builder;
  }

  /** Shuts the event loops down (the server using them must have stopped) and waits for it. */
  @Override
  public void close() {
    boss.shutdownGracefully(0, 5, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 5, TimeUnit.SECONDS);
    try {
      boss.awaitTermination(10, TimeUnit.SECONDS);
      workers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static EventLoopGroup group(Kind kind, int threads, String name) {
    IoHandlerFactory handler =
        kind == Kind.EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), handler);
  }
}
