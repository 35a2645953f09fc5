package io.mmserve.gateway.discovery;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;

/**
 * Makes {@code kubernetes:///service.namespace:port} targets ({@link KubernetesTarget}) usable by a
 * channel whose registry holds this provider: each channel gets a {@link KubernetesNameResolver},
 * and the channels of one Service share one watch ({@link SliceWatches}). Made by {@link
 * KubernetesDiscovery}, which owns the watches.
 */
final class KubernetesNameResolverProvider extends NameResolverProvider {
  private final SliceWatches watches;
  private final DiscoveryMetrics metrics;

  KubernetesNameResolverProvider(SliceWatches watches, DiscoveryMetrics metrics) {
    this.watches = watches;
    this.metrics = metrics;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 4; // below dns, which stays the registry's default scheme
  }

  @Override
  public String getDefaultScheme() {
    return KubernetesTarget.SCHEME;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  /**
   * @throws IllegalArgumentException if the target is not {@code
   *     kubernetes:///service.namespace:port}
   */
  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!KubernetesTarget.SCHEME.equals(targetUri.getScheme())) {
      return null;
    }
    return new KubernetesNameResolver(KubernetesTarget.parse(targetUri), watches, metrics, args);
  }
}
