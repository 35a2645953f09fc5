package io.mmserve.cli;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.mmserve.kit.client.GrpcChannels;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Asks one server for its overall gRPC health ({@code grpc.health.v1}, service ""). Owns its
 * channel; {@link #close()} releases it.
 */
final class HealthProbe implements AutoCloseable {
  private static final int MAX_INBOUND_MESSAGE_BYTES = 1 << 20;

  private final ManagedChannel channel;

  HealthProbe(String target) {
    this(target, InsecureChannelCredentials.create());
  }

  /** A probe over these credentials (the CLI's certificate, for a stack of {@code up --tls}). */
  HealthProbe(String target, ChannelCredentials credentials) {
    this.channel = GrpcChannels.channel(target, MAX_INBOUND_MESSAGE_BYTES, credentials);
  }

  /**
   * True if the server answers SERVING within {@code wait}; false if it answers anything else, or
   * cannot be reached in that time.
   */
  boolean isServing(Duration wait) {
    // a server that is still starting refused the last connection; try again now rather than
    // after grpc's growing reconnect back-off
    channel.resetConnectBackoff();
    try {
      return HealthGrpc.newBlockingStub(channel)
              .withWaitForReady()
              .withDeadlineAfter(wait.toNanos(), TimeUnit.NANOSECONDS)
              .check(HealthCheckRequest.getDefaultInstance())
              .getStatus()
          == ServingStatus.SERVING;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
