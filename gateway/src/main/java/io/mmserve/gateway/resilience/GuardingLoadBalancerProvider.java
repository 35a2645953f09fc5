package io.mmserve.gateway.resilience;

import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import java.util.Map;

/**
 * The {@value #POLICY} load-balancing policy: a circuit breaker and a bulkhead per endpoint ({@link
 * EndpointGuard}) over gRPC's {@code round_robin} with client-side health checking (as
 * grpc-services registers it). With {@code "choiceCount": 2} it is least-request: of two endpoints
 * in turn, the one with fewer calls in flight; with 1, round-robin. Registered with grpc-java
 * through {@code META-INF/services/io.grpc.LoadBalancerProvider}; a channel selects it in its
 * service config ({@link BackendServiceConfig}) and hands it its {@link EndpointGuards} as a
 * name-resolver argument.
 *
 * <p>Config: {@code {"choiceCount": 2}}.
 */
public final class GuardingLoadBalancerProvider extends LoadBalancerProvider {
  public static final String POLICY = "mmserve_endpoint_guard";
  static final String CHOICE_COUNT = "choiceCount";
  static final String CHILD_POLICY = "round_robin";

  /**
   * A parsed config.
   *
   * @param choiceCount endpoints compared per call: 1 round-robin, 2 least-request
   * @param child the child policy's provider
   * @param childConfig its (default) config
   */
  record Config(int choiceCount, LoadBalancerProvider child, Object childConfig) {}

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int getPriority() {
    return 5;
  }

  @Override
  public String getPolicyName() {
    return POLICY;
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    EndpointGuards guards = helper.getNameResolverArgs().getArg(EndpointGuards.KEY);
    if (guards == null) {
      throw new IllegalStateException(
          POLICY
              + " needs the channel's EndpointGuards as the name-resolver argument "
              + EndpointGuards.KEY);
    }
    return new GuardingLoadBalancer(helper, guards);
  }

  @Override
  public ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
    Object choices = rawConfig.get(CHOICE_COUNT);
    if (!(choices instanceof Double d) || (d != 1 && d != 2)) {
      return ConfigOrError.fromError(
          Status.INVALID_ARGUMENT.withDescription(
              POLICY + ": " + CHOICE_COUNT + " must be 1 or 2, but was " + choices));
    }
    LoadBalancerProvider child =
        LoadBalancerRegistry.getDefaultRegistry().getProvider(CHILD_POLICY);
    ConfigOrError childConfig = child.parseLoadBalancingPolicyConfig(Map.of());
    if (childConfig.getError() != null) {
      return childConfig;
    }
    return ConfigOrError.fromConfig(new Config(d.intValue(), child, childConfig.getConfig()));
  }
}
