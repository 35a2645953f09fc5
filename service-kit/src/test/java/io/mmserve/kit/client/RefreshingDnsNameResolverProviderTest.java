package io.mmserve.kit.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The refresh timer around a counting stand-in for grpc-java's dns resolver. */
class RefreshingDnsNameResolverProviderTest {
  private final AtomicInteger refreshes = new AtomicInteger();
  private final AtomicInteger shutdowns = new AtomicInteger();
  private final RecordingScheduler scheduler = new RecordingScheduler();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void start_schedulesARefreshEveryIntervalThatRefreshesTheDelegate() {
    NameResolver resolver = resolver(Duration.ofSeconds(7));

    resolver.start(new NoListener());

    assertEquals(List.of(TimeUnit.SECONDS.toNanos(7)), scheduler.delays);
    scheduler.tasks.getFirst().run();
    scheduler.tasks.getFirst().run();
    assertEquals(2, refreshes.get());
  }

  @Test
  void shutdown_cancelsTheTimerAndShutsTheDelegateDown() {
    NameResolver resolver = resolver(Duration.ofSeconds(7));
    resolver.start(new NoListener());

    resolver.shutdown();

    assertTrue(scheduler.futures.getFirst().isCancelled());
    assertEquals(1, shutdowns.get());
  }

  private NameResolver resolver(Duration refresh) {
    NameResolver.Args args =
        NameResolver.Args.newBuilder()
            .setDefaultPort(443)
            .setProxyDetector(address -> null)
            .setSynchronizationContext(
                new SynchronizationContext(
                    (t, e) -> {
                      throw new AssertionError(e);
                    }))
            .setServiceConfigParser(
                new NameResolver.ServiceConfigParser() {
                  @Override
                  public NameResolver.ConfigOrError parseServiceConfig(java.util.Map<String, ?> c) {
                    return NameResolver.ConfigOrError.fromConfig(c);
                  }
                })
            .setScheduledExecutorService(scheduler)
            .build();
    return new RefreshingDnsNameResolverProvider(new CountingDns(), refresh)
        .newNameResolver(URI.create("dns:///encoder:50052"), args);
  }

  /** Stands in for grpc-java's dns resolver provider. */
  private final class CountingDns extends NameResolverProvider {
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
      return "dns";
    }

    @Override
    public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
      return new NameResolver() {
        @Override
        public String getServiceAuthority() {
          return "encoder:50052";
        }

        @Override
        public void start(Listener2 listener) {}

        @Override
        public void refresh() {
          refreshes.incrementAndGet();
        }

        @Override
        public void shutdown() {
          shutdowns.incrementAndGet();
        }
      };
    }
  }

  private static final class NoListener extends NameResolver.Listener2 {
    @Override
    public void onResult(NameResolver.ResolutionResult result) {}

    @Override
    public void onError(Status error) {}
  }

  /** Records fixed-delay tasks instead of running them; the test runs them. */
  private static final class RecordingScheduler extends ScheduledThreadPoolExecutor {
    final List<Runnable> tasks = new CopyOnWriteArrayList<>();
    final List<Long> delays = new CopyOnWriteArrayList<>();
    final List<ScheduledFuture<?>> futures = new CopyOnWriteArrayList<>();

    RecordingScheduler() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(
        Runnable task, long initialDelay, long delay, TimeUnit unit) {
      tasks.add(task);
      delays.add(unit.toNanos(delay));
      ScheduledFuture<?> future = super.schedule(() -> {}, 1, TimeUnit.DAYS);
      futures.add(future);
      return future;
    }
  }
}
