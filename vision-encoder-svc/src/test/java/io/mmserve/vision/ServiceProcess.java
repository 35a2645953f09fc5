package io.mmserve.vision;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.mmserve.kit.client.GrpcChannels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The service's runnable jar started as a separate process from the repository root (so the default
 * pack path works as in local mode), on free loopback ports, its output in a log file.
 */
final class ServiceProcess implements AutoCloseable {
  /** How long the service may take to load its model and report SERVING. */
  static final long START_SECONDS = 120;

  private static final int MAX_MESSAGE_BYTES = 64 << 20;

  final int grpcPort;
  final int adminPort;
  final Path log;
  final Process process;
  final ManagedChannel channel;

  private ServiceProcess(int grpcPort, int adminPort, Path log, Process process) {
    this.grpcPort = grpcPort;
    this.adminPort = adminPort;
    this.log = log;
    this.process = process;
    this.channel = GrpcChannels.plaintext("127.0.0.1:" + grpcPort, MAX_MESSAGE_BYTES);
  }

  /**
   * Starts the jar with {@code flags} (--key=value) and returns once its gRPC health reports
   * SERVING.
   */
  static ServiceProcess start(String name, String... flags) throws IOException {
    Path moduleDir = Path.of("").toAbsolutePath();
    Path jar = moduleDir.resolve("target/vision-encoder-svc.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing; run the package phase first");
    }
    Path logDir = Files.createDirectories(moduleDir.resolve("target/it-logs"));
    Path log = logDir.resolve(name + ".log");
    int grpcPort = freePort();
    int adminPort = freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Djava.io.tmpdir=" + moduleDir.resolve("target/tmp"));
    command.add("-jar");
    command.add(jar.toString());
    command.add("--grpc.port=" + grpcPort);
    command.add("--admin.port=" + adminPort);
    command.addAll(List.of(flags));
    Process process =
        new ProcessBuilder(command)
            .directory(Golden.repoRoot().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    ServiceProcess service = new ServiceProcess(grpcPort, adminPort, log, process);
    // A process that dies while starting ends the wait for SERVING at once.
    process.onExit().thenRun(service.channel::shutdownNow);
    try {
      service.awaitServing();
    } catch (RuntimeException e) {
      service.close();
      throw new IllegalStateException("service did not start; its log:\n" + service.logText(), e);
    }
    return service;
  }

  /**
   * Waits through the health Watch stream (no polling) until SERVING, then cancels the stream: an
   * open stream would hold a graceful shutdown for its whole grace period.
   */
  private void awaitServing() {
    Context.CancellableContext watch = Context.current().withCancellation();
    try {
      watch.run(
          () -> {
            Iterator<HealthCheckResponse> statuses =
                HealthGrpc.newBlockingStub(channel)
                    .withWaitForReady()
                    .withDeadlineAfter(START_SECONDS, TimeUnit.SECONDS)
                    .watch(HealthCheckRequest.newBuilder().setService("").build());
            while (statuses.hasNext()) {
              if (statuses.next().getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
                return;
              }
            }
            throw new IllegalStateException("health stream ended before SERVING");
          });
    } finally {
      watch.cancel(null);
    }
  }

  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kills the process if it still runs. */
  @Override
  public void close() {
    channel.shutdownNow();
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
