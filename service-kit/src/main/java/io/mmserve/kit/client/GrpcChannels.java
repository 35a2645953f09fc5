package io.mmserve.kit.client;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolverRegistry;
import io.mmserve.kit.tracing.Tracing;

/**
 * Builds the channels mmserve services use to call each other. Every channel resolves its target
 * through a {@link NameResolvers} registry (so {@code host:port,host:port}, {@code dns:///} and any
 * resolver registered there work everywhere) and sets its maximum inbound message size explicitly
 * (grpc-java's default of 4 MiB is too small for image features). The caller owns the channel and
 * shuts it down.
 */
public final class GrpcChannels {
  private GrpcChannels() {}

  /**
   * A plaintext channel to {@code target} ("localhost:50052", "dns:///text-encoder:50052",
   * "127.0.0.1:50052,127.0.0.1:50062").
   *
   * @param maxInboundMessageBytes largest response message accepted
   * @throws IllegalArgumentException if the target cannot be parsed
   */
  public static ManagedChannel plaintext(String target, int maxInboundMessageBytes) {
    return plaintext(target, maxInboundMessageBytes, Tracing.off());
  }

  /**
   * As {@link #plaintext(String, int)}, with every call traced by {@code tracing}: a client span,
   * child of the current context, and its {@code traceparent} sent to the server.
   */
  public static ManagedChannel plaintext(
      String target, int maxInboundMessageBytes, Tracing tracing) {
    return tracing
        .instrument(
            plaintextBuilder(
                target,
                maxInboundMessageBytes,
                NameResolvers.standard(NameResolvers.DEFAULT_DNS_REFRESH)))
        .build();
  }

  /**
   * A builder of a plaintext channel to {@code target}, for callers that add a service config or
   * interceptors.
   *
   * @param resolvers the name resolvers of the channel, usually {@link NameResolvers#standard}
   * @throws IllegalArgumentException if the target cannot be parsed or no resolver takes it
   */
  public static ManagedChannelBuilder<?> plaintextBuilder(
      String target, int maxInboundMessageBytes, NameResolverRegistry resolvers) {
    return builder(target, maxInboundMessageBytes, resolvers, InsecureChannelCredentials.create());
  }

  /**
   * A builder of a channel to {@code target} with these credentials: plaintext ({@link
   * InsecureChannelCredentials}) or TLS ({@link io.mmserve.kit.tls.ClientTls#credentials()}, which
   * verifies that the server's certificate names the target's host).
   *
   * @throws IllegalArgumentException if the target cannot be parsed or no resolver takes it
   */
  public static ManagedChannelBuilder<?> builder(
      String target,
      int maxInboundMessageBytes,
      NameResolverRegistry resolvers,
      ChannelCredentials credentials) {
    return Grpc.newChannelBuilder(Target.parse(target).uri(), credentials, resolvers)
        .maxInboundMessageSize(maxInboundMessageBytes);
  }

  /**
   * A channel to {@code target} with these credentials (plaintext or TLS), resolved through {@link
   * NameResolvers#standard}.
   */
  public static ManagedChannel channel(
      String target, int maxInboundMessageBytes, ChannelCredentials credentials) {
    return builder(
            target,
            maxInboundMessageBytes,
            NameResolvers.standard(NameResolvers.DEFAULT_DNS_REFRESH),
            credentials)
        .build();
  }
}
