package io.mmserve.kit.server;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigLoader;
import io.mmserve.kit.tls.ServerTls;
import io.mmserve.kit.tls.ServerTlsSettings;
import io.mmserve.kit.tracing.Tracing;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a service from {@code main} to exit, the same way for every service. A {@code Main} names
 * the service, gives its default settings, how to read its own settings, and how to build its
 * objects; {@link #run(String[])} does the rest:
 *
 * <ol>
 *   <li>loads the config (defaults, file, {@code MMSERVE_*} variables, flags) and reads the shared
 *       {@link ServerConfig} and the service's settings. A bad value exits with {@value
 *       #EXIT_BAD_CONFIG} and one line on stderr that shows it, no stack trace; reads the {@code
 *       OTEL_*} variables into the service's {@link Tracing} (off unless they ask for it);
 *   <li>logs the effective config (secrets masked);
 *   <li>makes the Prometheus registry and binds the {@link StandardMeters}, and opens the {@link
 *       NettyTransport} of {@code grpc.transport} and {@code grpc.executor} (its event loops);
 *   <li>calls the {@link Assembly}, which builds the service's objects with {@code new}, hands what
 *       must be closed to {@link Startup#closeOnStop}, and may put its client channels on those
 *       event loops ({@link Startup#onServerEventLoops});
 *   <li>builds the gRPC server on the transport (health following the dependency's readiness,
 *       polled every {@link #READINESS_POLL}; TLS from {@link ServerTlsSettings} when {@code
 *       tls.cert-file} is set, its files polled on the thread {@code NAME-tls-reload}) and the
 *       admin HTTP server ({@code /metrics}, {@code /healthz} answering what gRPC health answers);
 *   <li>installs the shutdown hook: everything is built, nothing listens yet;
 *   <li>starts the service's other {@link Transport}s, the admin server, then the gRPC server (so
 *       health says SERVING only once every port is bound), and logs {@code "NAME serving on
 *       HOST:PORT (admin on HOST:PORT)"} (the launcher and the integration tests wait for it; each
 *       transport adds {@code ", TRANSPORT"} inside the parentheses).
 * </ol>
 *
 * A failure in steps 3 to 7 closes what was built and exits with {@value #EXIT_START_FAILED} after
 * logging one line with the reason (the stack trace at debug level, or at error for a broken jar).
 *
 * <p>SIGTERM and SIGINT exit with 0 after the hook has stopped, in order: gRPC health NOT_SERVING,
 * {@code shutdown()}, {@code awaitTermination(shutdown.grace)}, {@code shutdownNow()}, while the
 * other transports drain over the same grace (their graceful stop begins with gRPC's); the admin
 * server; what the service built, last built first; the meters. Before the service is built (while
 * it loads its models), they halt the JVM with 0 instead ({@link
 * ShutdownHook#haltOnStopSignalsDuringStartup}).
 *
 * @param <S> the service's own settings
 */
public final class ServiceRunner<S> {
  /** Exit status for a config that cannot be read or has a bad value. */
  public static final int EXIT_BAD_CONFIG = 2;

  /** Exit status for any other failure before the service serves. */
  public static final int EXIT_START_FAILED = 1;

  /** How often health asks whether the service's dependency is ready. */
  public static final Duration READINESS_POLL = Duration.ofMillis(500);

  private static final Logger log = LoggerFactory.getLogger(ServiceRunner.class);

  /** Builds a service's objects from its settings. */
  @FunctionalInterface
  public interface Assembly<S> {
    /**
     * Builds the service's objects, handing each one that must be closed to {@link
     * Startup#closeOnStop} as soon as it exists (so a later failure still closes it).
     *
     * @throws Exception any failure; the service does not start
     */
    ServiceParts build(S settings, Startup startup) throws Exception;
  }

  /** Where the runner leaves the stop action to be run on a stop request. */
  @FunctionalInterface
  interface StopSignals {
    void onStop(String service, Runnable stop);
  }

  private final String name;
  private final Map<String, String> defaults;
  private final Function<Config, S> settings;
  private final Assembly<S> assembly;

  /**
   * @param name the service's name, in logs and messages
   * @param defaults every setting the service knows with its default, the shared ones ({@link
   *     ServerConfig#defaults}) included
   * @param settings reads and validates the service's own settings; throws {@link
   *     IllegalArgumentException} (such as a {@link io.mmserve.kit.config.ConfigException}) with a
   *     message showing the bad value
   * @param assembly builds the service's objects
   */
  public ServiceRunner(
      String name,
      Map<String, String> defaults,
      Function<Config, S> settings,
      Assembly<S> assembly) {
    this.name = name;
    this.defaults = Map.copyOf(defaults);
    this.settings = settings;
    this.assembly = assembly;
  }

  /**
   * The whole of a service's {@code main}: starts the service and returns once it has stopped.
   * Exiting the JVM is left to {@code main}.
   *
   * @return 0 once the service has stopped, {@value #EXIT_BAD_CONFIG} or {@value
   *     #EXIT_START_FAILED} (after one line on stderr) if it could not start
   */
  public int run(String[] args) {
    RunningService service;
    ShutdownHook.haltOnStopSignalsDuringStartup(name); // until installShutdownHook replaces it
    try {
      service = start(args, System.getenv(), ServiceRunner::installShutdownHook);
    } catch (StartFailure failure) {
      report(failure);
      return failure.exitCode();
    }
    try {
      service.awaitTermination();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      service.stop();
    }
    return 0;
  }

  /** Steps 1 to 7 of the class comment; the caller waits for and stops the service. */
  RunningService start(String[] args, Map<String, String> env, StopSignals signals)
      throws StartFailure {
    Config config;
    ServerConfig server;
    ConnectionLimits connections;
    MethodMessageLimits messageLimits;
    NettyTransport.Settings transportSettings;
    Optional<ServerTlsSettings> tls;
    S own;
    Tracing tracing;
    try {
      config = ConfigLoader.load(defaults, args, env);
      server = ServerConfig.from(config);
      connections = ConnectionLimits.from(config);
      messageLimits = MethodMessageLimits.from(config);
      transportSettings = NettyTransport.Settings.from(config);
      tls = ServerTlsSettings.from(config);
      own = settings.apply(config);
      tracing = Tracing.fromEnvironment(name, env);
    } catch (IllegalArgumentException e) { // a ConfigException, or a settings record refusing one
      throw new StartFailure(EXIT_BAD_CONFIG, name + ": bad configuration: " + e.getMessage(), e);
    }
    log.info("{} config:\n{}", name, config);
    log.info("{} {}", name, tracing);

    Deque<AutoCloseable> owned = new ArrayDeque<>(); // closed from the head
    RunningService service;
    try {
      PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      owned.push(tracing); // closed last but for the meters: flushes the spans of the stop
      owned.push(meters::close);
      owned.push(new StandardMeters(meters));
      NettyTransport transport = NettyTransport.open(transportSettings);
      owned.push(transport); // its event loops close after the server and the service's channels
      ServiceParts parts =
          assembly.build(own, new Startup(server, meters, tracing, owned, transport));
      parts.transports().forEach(owned::push); // stopped with gRPC (RunningService#stop)
      ScheduledExecutorService readiness = readinessScheduler(name);
      owned.push(readiness::shutdownNow);
      ServerTls serverTls = tls.isPresent() ? startTls(tls.get(), owned) : null;
      ServerBuilder<?> builder =
          GrpcServer.nettyBuilder(
              server,
              connections,
              serverTls == null ? InsecureServerCredentials.create() : serverTls.credentials(),
              transport);
      parts.interceptors().forEach(builder::intercept); // inside the standard ones
      if (serverTls != null) {
        serverTls.applyTo(builder); // before the service's own interceptors
      }
      GrpcServer grpc =
          new GrpcServer(
              builder, messageLimits.applyTo(parts.services()), server, meters, readiness, tracing);
      if (parts.dependencyReady() != null) {
        grpc.followReadiness(parts.dependencyReady(), READINESS_POLL);
      }
      AdminHttpServer admin = new AdminHttpServer(server, meters, grpc::isServing);
      owned.push(admin); // closes after gRPC: /healthz says NOT_SERVING while calls drain
      owned.push(grpc);
      service = new RunningService(name, grpc, admin, parts.transports(), owned);
    } catch (Exception | LinkageError e) {
      ShutdownHook.closeAll(List.copyOf(owned));
      throw startFailed(e);
    }
    signals.onStop(name, service::stop);
    try {
      service.listen(server);
    } catch (Exception e) {
      service.stop();
      throw startFailed(e);
    }
    return service;
  }

  /**
   * Starts the server's TLS, polling its files on a daemon thread {@code NAME-tls-reload} that the
   * service owns; both close on stop.
   */
  private ServerTls startTls(ServerTlsSettings settings, Deque<AutoCloseable> owned) {
    ScheduledExecutorService poller = daemonScheduler(name + "-tls-reload");
    owned.push(poller::shutdownNow);
    ServerTls serverTls = ServerTls.start(settings, poller);
    owned.push(serverTls);
    log.info("{} gRPC {}", name, serverTls.describe());
    return serverTls;
  }

  private StartFailure startFailed(Throwable e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    String reason = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
    return new StartFailure(EXIT_START_FAILED, name + " failed to start: " + reason, e);
  }

  private static void report(StartFailure failure) {
    if (failure.exitCode() == EXIT_BAD_CONFIG) {
      System.err.println(failure.getMessage());
    } else if (failure.getCause() instanceof Error) {
      log.error(failure.getMessage(), failure.getCause()); // a broken jar: the trace matters
    } else {
      log.error(failure.getMessage());
      log.debug("start-up failure", failure.getCause());
    }
  }

  private static void installShutdownHook(String service, Runnable stop) {
    ShutdownHook.install(service, stop::run);
    ShutdownHook.exitNormallyOnStopSignals();
  }

  private static ScheduledExecutorService readinessScheduler(String service) {
    return daemonScheduler(service + "-readiness");
  }

  private static ScheduledExecutorService daemonScheduler(String threadName) {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, threadName);
          t.setDaemon(true);
          return t;
        });
  }

  /** Why a service did not start, with the exit status and the one line to show. */
  static final class StartFailure extends Exception {
    private final int exitCode;

    StartFailure(int exitCode, String message, Throwable cause) {
      super(message, cause);
      this.exitCode = exitCode;
    }

    int exitCode() {
      return exitCode;
    }
  }
}
