package io.mmserve.gateway.probe;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.mmserve.encoder.v1.VisionEncoderGrpc;
import io.mmserve.gateway.resilience.BackendPool;
import io.mmserve.rollout.ClassifyProbeRunner;
import io.mmserve.rollout.GrpcProbeClassifier;
import io.mmserve.rollout.GrpcProbeSets;
import io.mmserve.rollout.ProbeRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's rollout {@link ProbeRunner}: a {@link ClassifyProbeRunner} that fetches a version's
 * probe set from the vision encoder ({@link GrpcProbeSets}, through the vision encoder's backend
 * pool: its replicas, that version's breakers, retries) and classifies it through the gateway's own
 * Classify ({@link GrpcProbeClassifier}) on an in-process channel to the service, behind the
 * standard interceptors (exception mapping, metrics, request log) but not the API-key check nor the
 * per-version request metrics, so probes neither need a key nor count as the canary's traffic in
 * its analysis. Whoever starts it closes it, after the rollout controller.
 */
public final class GatewayProbes implements AutoCloseable {
  private final Server server;
  private final ManagedChannel channel;
  private final ProbeRunner runner;

  private GatewayProbes(Server server, ManagedChannel channel, ProbeRunner runner) {
    this.server = server;
    this.channel = channel;
    this.runner = runner;
  }

  /**
   * Serves {@code service} in-process and builds the runner.
   *
   * @param interceptors the service's standard interceptors, in the order to add them
   * @param timeout the longest one probe-set check may take
   * @param imagesPerCall the most images one Classify call may carry ({@code limits.max-images})
   */
  public static GatewayProbes start(
      BindableService service,
      List<ServerInterceptor> interceptors,
      BackendPool vision,
      Duration timeout,
      int imagesPerCall,
      int maxMessageBytes)
      throws IOException {
    String name = InProcessServerBuilder.generateName();
    Server server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .maxInboundMessageSize(maxMessageBytes)
            .addService(ServerInterceptors.intercept(service, interceptors))
            .build()
            .start();
    ManagedChannel channel =
        InProcessChannelBuilder.forName(name)
            .directExecutor()
            .maxInboundMessageSize(Integer.MAX_VALUE)
            .build();
    ProbeRunner runner =
        new ClassifyProbeRunner(
            new GrpcProbeSets(
                (request, deadline) ->
                    vision.call(
                        request.getModel(),
                        deadline,
                        (ch, d) ->
                            VisionEncoderGrpc.newFutureStub(ch)
                                .withDeadline(d)
                                .getProbeSet(request))),
            new GrpcProbeClassifier(channel),
            timeout,
            imagesPerCall,
            System::nanoTime);
    return new GatewayProbes(server, channel, runner);
  }

  public ProbeRunner runner() {
    return runner;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
