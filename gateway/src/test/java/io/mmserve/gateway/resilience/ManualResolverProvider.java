package io.mmserve.gateway.resilience;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.StatusOr;
import io.mmserve.kit.client.NameResolvers;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;

/**
 * {@code manual:///name}: a resolver whose endpoints the test sets ({@link #resolve}), as a watch
 * of the Kubernetes API pushes them. One resolver at a time.
 */
final class ManualResolverProvider extends NameResolverProvider {
  static final String TARGET = "manual:///backend";

  private volatile NameResolver.Listener2 listener;
  private volatile NameResolver.Args args;

  /** Hands the channel these {@code 127.0.0.1:port} endpoints, named as written. */
  void resolve(String... endpoints) {
    List<EquivalentAddressGroup> groups =
        java.util.Arrays.stream(endpoints)
            .map(
                e ->
                    new EquivalentAddressGroup(
                        new InetSocketAddress(
                            "127.0.0.1", Integer.parseInt(e.substring(e.lastIndexOf(':') + 1))),
                        Attributes.newBuilder().set(NameResolvers.ENDPOINT_NAME, e).build()))
            .toList();
    args.getSynchronizationContext()
        .execute(
            () ->
                listener.onResult2(
                    NameResolver.ResolutionResult.newBuilder()
                        .setAddressesOrError(StatusOr.fromValue(groups))
                        .build()));
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 4;
  }

  @Override
  public String getDefaultScheme() {
    return "manual";
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!"manual".equals(targetUri.getScheme())) {
      return null;
    }
    this.args = args;
    return new NameResolver() {
      @Override
      public String getServiceAuthority() {
        return "backend";
      }

      @Override
      public void start(Listener2 listener) {
        ManualResolverProvider.this.listener = listener;
      }

      @Override
      public void shutdown() {}
    };
  }
}
