package io.mmserve.gateway.routing;

import io.grpc.Context;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What routing knows about one public call: the caller's routing key and, once known, the model
 * version that serves it (chosen by the {@link VersionRouter}, named by the request, or reported by
 * the first encoder answer). {@link RoutingInterceptor} puts one in the call's {@link Context}; the
 * per-version metrics read it when the call ends. Thread-safe.
 */
public final class RoutedCall {
  static final Context.Key<RoutedCall> KEY = Context.key("mmserve-routed-call");

  /** The version of a call that ended before any was known. */
  public static final String UNKNOWN = "unknown";

  private final Optional<String> routeKey;
  private final AtomicReference<String[]> served = new AtomicReference<>();

  RoutedCall(Optional<String> routeKey) {
    this.routeKey = routeKey;
  }

  /** The call's routing information, or one without a key when no interceptor set it (tests). */
  public static RoutedCall current() {
    RoutedCall call = KEY.get();
    return call != null ? call : new RoutedCall(Optional.empty());
  }

  /** The one in {@code context}, or a detached one. */
  public static RoutedCall of(Context context) {
    RoutedCall call = KEY.get(context);
    return call != null ? call : new RoutedCall(Optional.empty());
  }

  /** The caller's routing key ({@value RouteKeys#HEADER}), if it sent one. */
  public Optional<String> routeKey() {
    return routeKey;
  }

  /** Records the model version serving the call; the first one recorded stays. */
  public void served(String model, String version) {
    served.compareAndSet(null, new String[] {model, version});
  }

  /** The model serving the call, or {@value #UNKNOWN}. */
  String model() {
    String[] mv = served.get();
    return mv != null ? mv[0] : UNKNOWN;
  }

  /** The version serving the call, or {@value #UNKNOWN}. */
  String version() {
    String[] mv = served.get();
    return mv != null ? mv[1] : UNKNOWN;
  }
}
