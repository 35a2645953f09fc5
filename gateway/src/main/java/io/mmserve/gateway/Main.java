package io.mmserve.gateway;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ServerInterceptor;
import io.mmserve.gateway.auth.GatewayAuth;
import io.mmserve.gateway.discovery.KubernetesDiscovery;
import io.mmserve.gateway.http.HttpGateway;
import io.mmserve.gateway.probe.GatewayProbes;
import io.mmserve.gateway.resilience.BackendPool;
import io.mmserve.gateway.routing.ModelRequestMetrics;
import io.mmserve.gateway.routing.RolloutRouting;
import io.mmserve.gateway.routing.RoutingInterceptor;
import io.mmserve.gateway.routing.VersionRouter;
import io.mmserve.gateway.thumbnail.Thumbnailer;
import io.mmserve.kit.server.GrpcServer;
import io.mmserve.kit.server.ServiceParts;
import io.mmserve.kit.server.ServiceRunner;
import io.mmserve.kit.server.Startup;
import io.mmserve.kit.tls.ClientTls;
import io.mmserve.kit.tls.ServerIdentity;
import io.mmserve.kit.tls.ServerTlsSettings;
import io.mmserve.rollout.RolloutController;
import io.mmserve.rollout.RolloutSettings;
import io.mmserve.rollout.RolloutWatcher;
import io.mmserve.rollout.Rollouts;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the gateway: opens the encoder and fusion channels and serves {@code
 * mmserve.v1.Multimodal} over gRPC and, with {@code http.enabled}, the same service object as
 * HTTP/JSON ({@link HttpGateway}; HTTPS with the gRPC port's certificate when {@code tls.cert-file}
 * is set); {@code kubernetes:///} targets resolve through {@link KubernetesDiscovery}. {@link
 * ServiceRunner} does the rest the same way for every service: the config, health and reflection,
 * the admin endpoint, the log line {@code "gateway serving on HOST:PORT"}, exit codes and the
 * graceful stop on SIGTERM or SIGINT (the channels close after the servers). The {@link
 * VersionRouter} starts with the {@code canary.*} split; with {@code rollout.enabled} the
 * ModelRollout watcher changes it through {@link RolloutRouting}.
 */
public final class Main {
  static final String SERVICE = "gateway";

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    int exit =
        new ServiceRunner<>(SERVICE, GatewayConfig.defaults(), GatewayConfig::from, Main::build)
            .run(args);
    if (exit != 0) {
      System.exit(exit); // a stopped service returns 0: its shutdown hook has run
    }
  }

  /**
   * Plaintext, or TLS from {@code backend.tls.*}: its files polled on the daemon thread {@code
   * gateway-backend-tls-reload}, which closes, with the poll, after the channels.
   */
  private static ChannelCredentials backendCredentials(GatewayConfig config, Startup startup) {
    if (config.backendTls().isEmpty()) {
      return InsecureChannelCredentials.create();
    }
    ScheduledExecutorService poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, SERVICE + "-backend-tls-reload");
              t.setDaemon(true);
              return t;
            });
    startup.closeOnStop(poller::shutdownNow);
    ClientTls tls =
        startup.closeOnStop(
            ClientTls.start(config.backendTls().get(), GatewayConfig.BACKEND_TLS, poller));
    log.info(
        "{} backends over TLS: CAs {}, client certificate {}",
        SERVICE,
        config.backendTls().get().caFile(),
        config.backendTls().get().certFile().map(Object::toString).orElse("none"));
    return tls.credentials();
  }

  /**
   * The HTTP port's certificate when the gateway serves TLS: the files of the gRPC port, polled on
   * the daemon thread {@code gateway-http-tls-reload}; both close after the HTTP port has stopped.
   */
  private static ServerIdentity httpsIdentity(ServerTlsSettings tls, Startup startup) {
    ScheduledExecutorService poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, SERVICE + "-http-tls-reload");
              t.setDaemon(true);
              return t;
            });
    startup.closeOnStop(poller::shutdownNow);
    ServerIdentity identity = startup.closeOnStop(ServerIdentity.start(tls, poller));
    log.info(
        "{} HTTP/JSON port serves HTTPS (certificate {}; files checked every {})",
        SERVICE,
        tls.certFile(),
        tls.refreshInterval());
    return identity;
  }

  /**
   * With {@code rollout.enabled}: the ModelRollout watcher, which sets the router's splits within a
   * second of a change, and with {@code rollout.controller.enabled} the rollout controller (active
   * only while this replica holds the Lease), whose probe checks classify through {@code service}
   * ({@link GatewayProbes}). All close before the backends.
   */
  private static void startRollouts(
      GatewayConfig config,
      VersionRouter router,
      MultimodalService service,
      BackendStack backends,
      Startup startup)
      throws IOException {
    RolloutSettings settings = config.rollout();
    if (!settings.enabled()) {
      return;
    }
    RolloutWatcher watcher =
        startup.closeOnStop(Rollouts.watcher(settings, new RolloutRouting(router)));
    watcher.start();
    log.info("{} applies the ModelRollouts of namespace {}", SERVICE, settings.namespace());
    if (settings.controllerEnabled()) {
      // closed after the controller: the probes are the controller's
      GatewayProbes probes =
          startup.closeOnStop(
              GatewayProbes.start(
                  service,
                  GrpcServer.standardInterceptors(startup.meters(), startup.tracing()),
                  backends.vision(),
                  settings.probeTimeout(),
                  config.limits().maxImages(),
                  config.maxInboundMessageBytes()));
      RolloutController controller =
          startup.closeOnStop(Rollouts.controller(settings, probes.runner()));
      controller.start();
      log.info(
          "{} runs the rollout controller (Lease {} as {}, Prometheus {}; probe sets classified"
              + " through this gateway's Classify, {} at most)",
          SERVICE,
          settings.leaseName(),
          settings.identity(),
          settings.requirePrometheus(),
          settings.probeTimeout());
    }
  }

  private static ServiceParts build(GatewayConfig config, Startup startup) throws IOException {
    // closed after the channels (resources close in the reverse order they were handed over)
    KubernetesDiscovery discovery =
        startup.closeOnStop(new KubernetesDiscovery(config.discovery(), startup.meters()));
    if (config.usesKubernetesDiscovery()) {
      discovery.configureClient(); // no way to the API: stop now, not at the first call
    }
    VersionRouter router = config.canary().router(n -> ThreadLocalRandom.current().nextInt(n));
    // the backends' channels on the server's I/O threads: an answer arriving on the thread of its
    // caller's connection is written back without a hand-off
    BackendStack backends =
        startup.closeOnStop(
            new BackendStack(
                config,
                BackendPool.ChannelFactory.withCredentials(
                    config.maxInboundMessageBytes(),
                    backendCredentials(config, startup),
                    startup.tracing(),
                    startup::onServerEventLoops,
                    discovery.provider()),
                startup.meters(),
                startup.tracing().tracer(),
                router::breakerScope)); // a circuit breaker per routed version
    log.info(
        "{} backends: text encoder {}, vision encoder {}, fusion {}, gallery {}",
        SERVICE,
        config.textEncoderTarget(),
        config.visionEncoderTarget(),
        config.fusionTarget(),
        config.galleryTarget());
    MultimodalService service =
        new MultimodalService(
            backends.backends,
            new LabelEmbeddingCache(config.labelEmbeddingCacheEntries(), startup.meters()),
            config.limits(),
            startup.closeOnStop(Thumbnailer.onOwnThreads(config.thumbnails(), startup.meters())),
            router);
    startRollouts(config, router, service, backends, startup);
    GatewayAuth auth = startup.closeOnStop(GatewayAuth.start(config.auth(), startup.meters()));
    RoutingInterceptor routing =
        new RoutingInterceptor(new ModelRequestMetrics(startup.meters()), System::nanoTime);
    ServiceParts parts =
        ServiceParts.of(service).withInterceptor(auth.interceptor()).withInterceptor(routing);
    if (!config.http().enabled()) {
      return parts;
    }
    // one service object, two transports: the same batchers, limits, keys, deadlines and meters
    List<ServerInterceptor> interceptors = new ArrayList<>();
    interceptors.add(auth.interceptor()); // innermost, as on the gRPC server
    interceptors.add(routing);
    interceptors.addAll(GrpcServer.standardInterceptors(startup.meters(), startup.tracing()));
    Optional<ServerIdentity> identity = config.http().tls().map(tls -> httpsIdentity(tls, startup));
    return parts.withTransport(
        new HttpGateway(
            config.http(),
            identity,
            service,
            interceptors,
            config.maxInboundMessageBytes(),
            config.defaultDeadline(),
            startup.server().shutdownGrace()));
  }
}
