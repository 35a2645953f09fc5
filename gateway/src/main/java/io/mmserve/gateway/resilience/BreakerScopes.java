package io.mmserve.gateway.resilience;

/**
 * Which of an endpoint's circuit breakers judges a backend call: each model version the gateway
 * routes (the stable and the canary of every split, from {@code canary.*} and the ModelRollouts)
 * has its own, so a faulty canary sharing encoder processes with its stable version never opens the
 * stable version's circuits; every other call (a model without a split, a version no split names,
 * gallery calls) shares the {@link #SHARED} one. Scopes come from configuration, never from a
 * caller's string, so a caller naming made-up versions cannot make breakers. Thread-safe.
 */
@FunctionalInterface
public interface BreakerScopes {
  /** The scope of calls that are not pinned to a routed version. */
  String SHARED = "";

  /** One breaker per endpoint for every call, as before versions were routed. */
  BreakerScopes NONE = model -> SHARED;

  /**
   * The scope of a call naming {@code model}: the model itself when it is {@code name@version} of a
   * routed version, otherwise {@link #SHARED}.
   */
  String scopeOf(String model);

  /** Whether calls may still get {@code scope} (a version that left its split no longer does). */
  default boolean isCurrent(String scope) {
    return scope.equals(SHARED) || scopeOf(scope).equals(scope);
  }
}
