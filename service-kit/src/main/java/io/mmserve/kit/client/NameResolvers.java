package io.mmserve.kit.client;

import io.grpc.Attributes;
import io.grpc.NameResolverRegistry;
import java.time.Duration;

/**
 * The name resolvers every mmserve channel uses, in one registry that {@link GrpcChannels} hands to
 * the channel builder: a fixed list ({@code static:///host:port,host:port}, see {@link
 * AddressListNameResolverProvider}) and DNS ({@code dns:///name:port}, re-resolved every refresh
 * interval). A new kind of target (for example {@code kubernetes:///service.namespace:port}) is a
 * {@link io.grpc.NameResolverProvider} registered here, and every channel can then use it.
 */
public final class NameResolvers {
  /** How often a {@code dns:///} target is resolved again unless a service says otherwise. */
  public static final Duration DEFAULT_DNS_REFRESH = Duration.ofSeconds(5);

  /**
   * The name of a replica in its target setting ({@code "127.0.0.1:50052"}), an attribute of the
   * address group a fixed list resolves to; metrics and messages name the replica by it.
   */
  public static final Attributes.Key<String> ENDPOINT_NAME =
      Attributes.Key.create("mmserve.endpoint-name");

  private NameResolvers() {}

  /**
   * A new registry of the standard resolvers; {@code dns} is its default scheme.
   *
   * @param dnsRefresh how often a {@code dns:///} target is resolved again
   */
  public static NameResolverRegistry standard(Duration dnsRefresh) {
    NameResolverRegistry registry = new NameResolverRegistry();
    registry.register(new RefreshingDnsNameResolverProvider(dnsRefresh));
    registry.register(new AddressListNameResolverProvider());
    return registry;
  }
}
