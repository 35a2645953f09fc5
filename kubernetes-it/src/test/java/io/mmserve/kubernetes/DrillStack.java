package io.mmserve.kubernetes;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.mmserve.testsupport.LocalStackProcess;
import io.mmserve.testsupport.ReferencePack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The local stack as {@code ./mmserve up --canary PACK --canary-weight 0} runs it (real encoders
 * serving shapes-clip 1.0.0 and its int8 version 1.1.0-int8 side by side, fusion, gallery), its
 * gateway also running the ModelRollout watcher and the rollout controller ({@code
 * rollout.enabled}, {@code rollout.controller.enabled}) against a {@link RolloutStand}'s control
 * plane with the chart's gateway ServiceAccount, reading the stand's Prometheus, which scrapes this
 * gateway's metrics from the start. {@link #close} stops the stack (the gateway releases the
 * Lease).
 */
final class DrillStack implements AutoCloseable {
  static final String MODEL = "shapes-clip";
  static final String STABLE = "1.0.0";
  static final String CANARY = "1.1.0-int8";
  static final List<String> VERSIONS = List.of(STABLE, CANARY);

  final LocalStackProcess stack;
  final ManagedChannel channel;
  final AppliedSplits splits;

  private DrillStack(LocalStackProcess stack, ManagedChannel channel, AppliedSplits splits) {
    this.stack = stack;
    this.channel = channel;
    this.splits = splits;
  }

  /**
   * Starts the stack and points the stand's Prometheus at its gateway.
   *
   * @param identity the gateway's name in the controller's Lease
   * @param analysisInterval the controller's {@code rollout.analysis-interval}
   * @param encoderSettings more {@code KEY=VALUE} settings of both encoders (fault injection)
   */
  static DrillStack start(
      RolloutStand stand, String identity, Duration analysisInterval, List<String> encoderSettings)
      throws Exception {
    List<String> options =
        new ArrayList<>(List.of("--canary", canaryPack().toString(), "--canary-weight", "0"));
    for (String setting :
        List.of(
            "rollout.enabled=true",
            "rollout.controller.enabled=true",
            "rollout.kubeconfig=" + stand.gatewayKubeconfig,
            "rollout.namespace=" + RolloutStand.NAMESPACE,
            "rollout.prometheus.url=" + stand.prometheus.url(),
            "rollout.analysis-interval=" + analysisInterval.toMillis() + "ms",
            "rollout.lease.duration=10s",
            "rollout.lease.renew-deadline=5s",
            "rollout.identity=" + identity)) {
      options.addAll(List.of("--gateway-flag", setting));
    }
    for (String setting : encoderSettings) {
      options.addAll(List.of("--encoder-flag", setting));
    }
    LocalStackProcess stack =
        LocalStackProcess.start(stand.dir.resolve("stack-" + identity), options, Map.of());
    ManagedChannel channel = null;
    try {
      URI metrics = URI.create(stack.metricsUrl("gateway"));
      stand.prometheus.scrape(List.of(metrics.getHost() + ":" + metrics.getPort()));
      channel = NettyChannelBuilder.forTarget(stack.gatewayTarget()).usePlaintext().build();
      return new DrillStack(stack, channel, new AppliedSplits(MODEL, stack::output));
    } catch (Exception | Error e) {
      if (channel != null) {
        channel.shutdownNow();
      }
      stack.close();
      throw e;
    }
  }

  /**
   * The bundled pack's int8 encoders as shapes-clip@1.1.0-int8 ({@code models/int8-version.sh}),
   * made under {@code target/canary-pack} when missing.
   */
  static synchronized Path canaryPack() throws Exception {
    Path pack = Path.of("target", "canary-pack", MODEL + "-" + CANARY).toAbsolutePath();
    if (Files.isRegularFile(pack.resolve("model.json"))) {
      return pack;
    }
    Files.createDirectories(pack.getParent());
    Path log = pack.getParent().resolve("int8-version.log");
    Process process =
        new ProcessBuilder(
                ReferencePack.repoRoot().resolve("models/int8-version.sh").toString(),
                pack.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new AssertionError("models/int8-version.sh failed:\n" + Files.readString(log));
    }
    return pack;
  }

  /**
   * Items each encoder has run per version so far, from their own per-pack counters ({@code
   * mmserve_batch_size_sum} by batcher and pack id): keys {@code text@VERSION}, {@code
   * image@VERSION}.
   */
  Map<String, Double> encodedItems() throws Exception {
    Map<String, Double> items = new HashMap<>();
    try (HttpClient http = HttpClient.newHttpClient()) {
      for (String service : List.of("text-encoder-svc", "vision-encoder-svc")) {
        String page =
            http.send(
                    HttpRequest.newBuilder(URI.create(stack.metricsUrl(service))).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        for (String line : page.split("\n")) {
          if (!line.startsWith("mmserve_batch_size_sum{")) {
            continue;
          }
          for (String batcher : List.of("text", "image")) {
            for (String version : VERSIONS) {
              if (line.contains("batcher=\"" + batcher + "\"")
                  && line.contains("model=\"" + MODEL + "@" + version + "\"")) {
                items.merge(
                    batcher + "@" + version,
                    Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)),
                    Double::sum);
              }
            }
          }
        }
      }
    }
    return items;
  }

  @Override
  public void close() throws InterruptedException {
    try {
      splits.close();
      channel.shutdownNow();
    } finally {
      stack.close();
    }
  }
}
