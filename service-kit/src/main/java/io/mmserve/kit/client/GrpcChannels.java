package io.mmserve.kit.client;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;

/**
 * Builds the channels mmserve services use to call each other. Every channel sets its maximum
 * inbound message size explicitly (grpc-java's default of 4 MiB is too small for image features).
 * The caller owns the channel and shuts it down.
 */
public final class GrpcChannels {
  private GrpcChannels() {}

  /**
   * A plaintext channel to {@code target} ("localhost:50052", "dns:///text-encoder:50052").
   *
   * @param maxInboundMessageBytes largest response message accepted
   */
  public static ManagedChannel plaintext(String target, int maxInboundMessageBytes) {
    return Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
        .maxInboundMessageSize(maxInboundMessageBytes)
        .build();
  }
}
