package io.mmserve.kit.client;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * grpc-java's own {@code dns:///} resolver, asked to resolve again every {@code refresh}, so that
 * replicas added behind a name (a Kubernetes headless service scaled out) are used without waiting
 * for a connection to fail. grpc-java caches an answer for the JVM's DNS cache time ({@code
 * networkaddress.cache.ttl}, 30 s unless set), so a refresh sooner than that changes nothing.
 */
final class RefreshingDnsNameResolverProvider extends NameResolverProvider {
  private static final String SCHEME = "dns";

  private final NameResolverProvider dns;
  private final Duration refresh;

  RefreshingDnsNameResolverProvider(Duration refresh) {
    this(NameResolverRegistry.getDefaultRegistry().getProviderForScheme(SCHEME), refresh);
  }

  /**
   * @param dns grpc-java's dns resolver provider
   */
  RefreshingDnsNameResolverProvider(NameResolverProvider dns, Duration refresh) {
    if (dns == null) {
      throw new IllegalStateException("grpc-java's dns name resolver is not on the class path");
    }
    if (refresh.isNegative() || refresh.isZero()) {
      throw new IllegalArgumentException("dns refresh must be positive, but was " + refresh);
    }
    this.dns = dns;
    this.refresh = refresh;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    NameResolver delegate = dns.newNameResolver(targetUri, args);
    return delegate == null ? null : new Refreshing(delegate, args);
  }

  /** The delegate, refreshed on the channel's timer from its synchronization context. */
  private final class Refreshing extends NameResolver {
    private final NameResolver delegate;
    private final Args args;
    private ScheduledFuture<?> timer; // only touched in the synchronization context

    Refreshing(NameResolver delegate, Args args) {
      this.delegate = delegate;
      this.args = args;
    }

    @Override
    public String getServiceAuthority() {
      return delegate.getServiceAuthority();
    }

    @Override
    public void start(Listener2 listener) {
      delegate.start(listener);
      long every = refresh.toNanos();
      timer =
          args.getScheduledExecutorService()
              .scheduleWithFixedDelay(
                  () -> args.getSynchronizationContext().execute(delegate::refresh),
                  every,
                  every,
                  TimeUnit.NANOSECONDS);
    }

    @Override
    public void refresh() {
      delegate.refresh();
    }

    @Override
    public void shutdown() {
      if (timer != null) {
        timer.cancel(false);
      }
      delegate.shutdown();
    }
  }
}
