package io.mmserve.gateway.resilience;

import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks as the child ({@code round_robin} over the healthy endpoints) does, then lets the chosen
 * endpoint's {@link EndpointGuard} refuse, judging by the breakers of the call's {@link
 * BreakerScopes scope} ({@link EndpointGuards#SCOPE} in its call options): an endpoint with an open
 * circuit or a full bulkhead is skipped and the child asked again, and an endpoint this call was
 * already sent to is skipped while another may take it (so a retry goes to another replica when
 * there is one). With a choice count of 2, of the first two endpoints that may take the call the
 * one with fewer calls in flight gets it, a tie at random (least-request, as grpc's
 * least_request_experimental chooses). When every endpoint refuses, the call is dropped (not
 * retried) with UNAVAILABLE and an {@link EndpointRefusedException} as the cause, which {@link
 * BackendPool} turns into the caller's status.
 *
 * <p>A retry (a pick for a call already sent) starts only while the {@link RetryThrottle} of the
 * call's scope allows it; otherwise the call ends with its last attempt's failure, as gRPC's own
 * throttling ends it, and counts as a throttled retry. gRPC's channel-wide throttling is off
 * ({@link BackendServiceConfig}), so a failing canary version uses up only its own retries. Unlike
 * gRPC's, this also counts and may withhold a transparent retry (a stream that never reached the
 * server): the picker cannot tell one from a retry of the policy.
 */
final class GuardingPicker extends SubchannelPicker {
  private final SubchannelPicker child;
  private final EndpointGuards guards;
  private final int choiceCount;

  GuardingPicker(SubchannelPicker child, EndpointGuards guards, int choiceCount) {
    this.child = child;
    this.guards = guards;
    this.choiceCount = choiceCount;
  }

  /** An endpoint that may take the call, and the child's pick of it. */
  private record Choice(EndpointGuard guard, Subchannel subchannel, PickResult pick) {}

  @Override
  public PickResult pickSubchannel(PickSubchannelArgs args) {
    List<EndpointGuard> all = guards.all();
    String scope = args.getCallOptions().getOption(EndpointGuards.SCOPE);
    if (!all.isEmpty() && all.stream().noneMatch(g -> g.circuitAdmits(scope))) {
      return refuse(all.stream().map(g -> g.name() + " circuit open").toList(), false, scope);
    }
    CallAttempts attempts = args.getCallOptions().getOption(EndpointGuards.ATTEMPTS);
    Set<String> tried = attempts == null ? null : attempts.tried;
    if (tried != null && !tried.isEmpty() && !guards.throttle().allowsRetry(scope)) {
      return throttled(attempts, scope);
    }
    List<String> refusals = new ArrayList<>();
    boolean full = false;
    Choice best = null;
    Choice triedBefore = null;
    int choices = 0;
    int picks = 2 * all.size() + choiceCount; // the child goes round in turn: enough to see all
    for (int i = 0; i < picks && choices < choiceCount; i++) {
      PickResult result = child.pickSubchannel(args);
      if (!(result.getSubchannel() instanceof GuardingLoadBalancer.NamedSubchannel named)) {
        return noSubchannel(result, all, scope);
      }
      EndpointGuard guard = guards.get(named.name());
      if (guard == null) {
        return result.copyWithSubchannel(named.delegate()); // gone since the child's picker
      }
      EndpointGuard.Refusal refusal = guard.refusal(scope);
      if (refusal != null) {
        full |= refusal == EndpointGuard.Refusal.BULKHEAD_FULL;
        refusals.add(describe(guard, refusal));
        continue;
      }
      Choice choice = new Choice(guard, named.delegate(), result);
      if (tried != null && tried.contains(guard.name())) {
        triedBefore = triedBefore == null ? choice : triedBefore;
        continue;
      }
      choices++;
      if (best == null || fewerInFlight(guard, best.guard())) {
        best = choice;
      }
    }
    Choice chosen = best != null ? best : triedBefore;
    if (chosen == null) {
      return refuse(refusals.stream().distinct().toList(), full, scope);
    }
    return PickResult.withSubchannel(
        chosen.subchannel(),
        chosen
            .guard()
            .tracing(
                chosen.pick().getStreamTracerFactory(),
                attempts,
                guards::countRetry,
                guards.throttle(),
                scope));
  }

  /** Ends a call whose retry its scope's throttle withholds, with its last attempt's failure. */
  private PickResult throttled(CallAttempts attempts, String scope) {
    guards.countThrottled();
    Status last = attempts.lastFailure();
    String why =
        "not retried: "
            + guards.backend()
            + (scope.isEmpty() ? "" : " (" + scope + ")")
            + " failed too many attempts lately (retry.throttling.*)";
    return PickResult.withDrop(
        last != null ? last.augmentDescription(why) : Status.UNAVAILABLE.withDescription(why));
  }

  /** Whether {@code guard} has fewer calls in flight than {@code best}; a tie at random. */
  private static boolean fewerInFlight(EndpointGuard guard, EndpointGuard best) {
    int difference = guard.inFlight() - best.inFlight();
    return difference < 0 || (difference == 0 && ThreadLocalRandom.current().nextBoolean());
  }

  /**
   * The child had no endpoint: it waits for one (no result), or fails the call because none is
   * connected and healthy, which counts against every endpoint's circuit.
   */
  private PickResult noSubchannel(PickResult result, List<EndpointGuard> all, String scope) {
    if (result.getStatus().isOk() || result.isDrop()) {
      return result;
    }
    if (all.isEmpty()) {
      guards.countRejected("no_endpoints");
    } else {
      all.forEach(g -> g.recordUnreachable(scope, result.getStatus()));
    }
    return result;
  }

  private PickResult refuse(List<String> refusals, boolean full, String scope) {
    guards.countRejected(full ? "bulkhead_full" : "circuit_open");
    String description =
        full
            ? guards.backend() + " is overloaded: " + String.join(", ", refusals)
            : guards.backend()
                + (scope.isEmpty() ? "" : " (" + scope + ")")
                + " is unavailable: circuit open for every endpoint ("
                + String.join(", ", refusals)
                + ")";
    return PickResult.withDrop(
        Status.UNAVAILABLE
            .withDescription(description)
            .withCause(new EndpointRefusedException(full)));
  }

  private static String describe(EndpointGuard guard, EndpointGuard.Refusal refusal) {
    return switch (refusal) {
      case CIRCUIT_OPEN -> guard.name() + " circuit open";
      case BULKHEAD_FULL ->
          guard.name() + " at its limit of " + guard.maxConcurrentCalls() + " concurrent calls";
    };
  }
}
