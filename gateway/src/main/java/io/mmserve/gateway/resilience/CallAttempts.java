package io.mmserve.gateway.resilience;

import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one backend call's attempts so far left for its next pick ({@link GuardingPicker}): the
 * endpoints it was sent to, so that a retry prefers another, and how its last attempt failed, so
 * that a retry the {@link RetryThrottle} withholds ends the call with that status. One per call, in
 * its call options ({@link EndpointGuards#ATTEMPTS}); attempts of one call do not overlap.
 */
final class CallAttempts {
  final Set<String> tried = ConcurrentHashMap.newKeySet();
  private volatile Status lastFailure;

  void failed(Status status) {
    lastFailure = status;
  }

  /** The last attempt's failure, or null if no attempt has failed. */
  Status lastFailure() {
    return lastFailure;
  }
}
