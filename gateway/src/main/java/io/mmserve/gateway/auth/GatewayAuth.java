package io.mmserve.gateway.auth;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's API key check as configured: with a keys file, an {@link ApiKeyInterceptor} over
 * the file's keys and a daemon thread reloading them; without one, an open interceptor and a log
 * line saying that anyone who reaches the gateway may call it. {@link #close()} stops the reloads.
 */
public final class GatewayAuth implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatewayAuth.class);

  private final ApiKeyInterceptor interceptor;
  private final ApiKeysReloader reloader;
  private final ScheduledExecutorService scheduler;

  private GatewayAuth(
      ApiKeyInterceptor interceptor, ApiKeysReloader reloader, ScheduledExecutorService scheduler) {
    this.interceptor = interceptor;
    this.reloader = reloader;
    this.scheduler = scheduler;
  }

  /**
   * Loads the keys file, if any, and starts watching it.
   *
   * @throws IllegalArgumentException if the keys file cannot be read or parsed
   */
  public static GatewayAuth start(AuthSettings settings, MeterRegistry registry) {
    return start(settings, registry, System::nanoTime);
  }

  /**
   * As {@link #start(AuthSettings, MeterRegistry)}, with the clock the key limits' buckets refill
   * by.
   *
   * @throws IllegalArgumentException if the keys file cannot be read or parsed
   */
  public static GatewayAuth start(
      AuthSettings settings, MeterRegistry registry, LongSupplier nanoTime) {
    if (settings.keysFile().isEmpty()) {
      log.info(
          "API keys off ({} is not set): every caller that reaches the gateway may call it",
          AuthSettings.KEYS_FILE);
      return new GatewayAuth(ApiKeyInterceptor.open(registry), null, null);
    }
    ApiKeysReloader reloader = ApiKeysReloader.load(settings.keysFile().get());
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gateway-api-keys-reload");
              t.setDaemon(true);
              return t;
            });
    reloader.start(scheduler, settings.reloadInterval());
    log.info(
        "API keys on: {} keys from {} (checked for changes every {}), reflection {},"
            + " default limits {}",
        reloader.keys().keys().size(),
        settings.keysFile().get(),
        settings.reloadInterval(),
        settings.reflectionOpen() ? "open" : "closed",
        settings.limits());
    KeyLimitGate limits =
        new KeyLimitGate(settings.limits(), nanoTime, settings.concurrencyRetry(), registry);
    return new GatewayAuth(
        new ApiKeyInterceptor(reloader.keys(), settings.reflectionOpen(), limits, registry),
        reloader,
        scheduler);
  }

  /** The interceptor to put on every gRPC call and HTTP/JSON route. */
  public ApiKeyInterceptor interceptor() {
    return interceptor;
  }

  @Override
  public void close() {
    if (reloader != null) {
      reloader.close();
      scheduler.shutdownNow();
    }
  }
}
