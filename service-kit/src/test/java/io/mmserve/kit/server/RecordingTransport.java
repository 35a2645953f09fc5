package io.mmserve.kit.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * A {@link Transport} that records when the runner starts and stops it: at the start, whether the
 * gRPC port already accepts connections; at each stop step, whether gRPC health says SERVING.
 */
final class RecordingTransport implements Transport {
  final List<String> events = new CopyOnWriteArrayList<>();
  private final int grpcPort;
  private final BooleanSupplier grpcServing;

  RecordingTransport(int grpcPort, BooleanSupplier grpcServing) {
    this.grpcPort = grpcPort;
    this.grpcServing = grpcServing;
  }

  private void record(String event) {
    events.add(event + (grpcServing.getAsBoolean() ? " (gRPC SERVING)" : " (gRPC stopped)"));
  }

  @Override
  public void start() {
    try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), grpcPort)) {
      events.add("start (gRPC listening)");
    } catch (IOException refused) {
      events.add("start (gRPC not listening)");
    }
  }

  @Override
  public String describe() {
    return "recording";
  }

  @Override
  public CompletableFuture<Void> beginStop() {
    if (events.stream().noneMatch(e -> e.startsWith("beginStop"))) {
      record("beginStop");
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public void close() {
    record("close");
  }
}
