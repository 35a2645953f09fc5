package io.mmserve.gateway.resilience;

import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.LoadBalancer;
import io.grpc.Status;
import io.grpc.util.ForwardingLoadBalancerHelper;
import io.grpc.util.ForwardingSubchannel;
import java.util.List;

/**
 * The {@value GuardingLoadBalancerProvider#POLICY} policy of one channel: keeps the {@link
 * EndpointGuards} in step with the resolved endpoints, runs gRPC's health-checked {@code
 * round_robin} as its child, and wraps each picker the child makes in a {@link GuardingPicker}.
 * Runs in the channel's synchronization context, like every load balancer.
 *
 * <p>An empty address list (a {@code kubernetes:///} Service scaled to zero) shuts the child down,
 * so no new call goes to an endpoint that left, and fails new calls with UNAVAILABLE until
 * endpoints come back; {@code round_robin} alone would keep its ready endpoints. As when one
 * endpoint leaves, the calls in flight on the old endpoints finish: gRPC closes a subchannel's
 * connection gracefully.
 */
final class GuardingLoadBalancer extends LoadBalancer {
  private final Helper helper;
  private final EndpointGuards guards;
  private LoadBalancer child;
  private GuardingLoadBalancerProvider.Config config;

  GuardingLoadBalancer(Helper helper, EndpointGuards guards) {
    this.helper = helper;
    this.guards = guards;
  }

  @Override
  public boolean canHandleEmptyAddressListFromNameResolution() {
    return true;
  }

  @Override
  public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
    var next = (GuardingLoadBalancerProvider.Config) resolved.getLoadBalancingPolicyConfig();
    if (resolved.getAddresses().isEmpty()) {
      noEndpoints(next);
      return Status.OK;
    }
    if (child == null || !next.child().equals(config.child())) {
      if (child != null) {
        child.shutdown();
      }
      child = newChild(next);
    }
    config = next;
    guards.update(resolved.getAddresses().stream().map(EndpointGuards::nameOf).toList());
    return child.acceptResolvedAddresses(
        resolved.toBuilder().setLoadBalancingPolicyConfig(next.childConfig()).build());
  }

  private void noEndpoints(GuardingLoadBalancerProvider.Config next) {
    if (child != null) {
      child.shutdown();
      child = null;
    }
    config = next;
    guards.update(List.of());
    Status none =
        Status.UNAVAILABLE.withDescription(
            "the name resolver lists no endpoints of " + guards.backend());
    helper.updateBalancingState(
        ConnectivityState.TRANSIENT_FAILURE,
        new GuardingPicker(new FixedResultPicker(PickResult.withError(none)), guards, 1));
  }

  /** The child: grpc-services registers {@code round_robin} with health checking built in. */
  private LoadBalancer newChild(GuardingLoadBalancerProvider.Config config) {
    return config.child().newLoadBalancer(new GuardingHelper());
  }

  @Override
  public void handleNameResolutionError(Status error) {
    if (child != null) {
      child.handleNameResolutionError(error);
    } else {
      helper.updateBalancingState(
          ConnectivityState.TRANSIENT_FAILURE,
          new GuardingPicker(new FixedResultPicker(PickResult.withError(error)), guards, 1));
    }
  }

  @Override
  public void requestConnection() {
    if (child != null) {
      child.requestConnection();
    }
  }

  @Override
  public void shutdown() {
    if (child != null) {
      child.shutdown();
    }
  }

  /** Wraps the child's pickers, and its subchannels to name them and follow their connectivity. */
  private final class GuardingHelper extends ForwardingLoadBalancerHelper {
    @Override
    protected Helper delegate() {
      return helper;
    }

    @Override
    public void updateBalancingState(ConnectivityState state, SubchannelPicker picker) {
      helper.updateBalancingState(state, new GuardingPicker(picker, guards, config.choiceCount()));
    }

    @Override
    public Subchannel createSubchannel(CreateSubchannelArgs args) {
      return new NamedSubchannel(
          helper.createSubchannel(args), EndpointGuards.nameOf(args.getAddresses().getFirst()));
    }
  }

  /** A subchannel that knows its endpoint's name and reports its connectivity to the guard. */
  final class NamedSubchannel extends ForwardingSubchannel {
    private final Subchannel delegate;
    private final String name;

    NamedSubchannel(Subchannel delegate, String name) {
      this.delegate = delegate;
      this.name = name;
    }

    @Override
    protected Subchannel delegate() {
      return delegate;
    }

    String name() {
      return name;
    }

    @Override
    public void start(SubchannelStateListener listener) {
      delegate.start(
          (ConnectivityStateInfo state) -> {
            listener.onSubchannelState(state);
            EndpointGuard guard = guards.get(name);
            if (guard != null) {
              guard.connectivity(state.getState());
            }
          });
    }
  }
}
