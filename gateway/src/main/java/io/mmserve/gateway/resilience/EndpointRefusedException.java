package io.mmserve.gateway.resilience;

/**
 * The cause of the UNAVAILABLE status of a call that {@link GuardingPicker} refused before it was
 * sent: every endpoint's circuit was open, or every endpoint was at its bulkhead's limit ({@link
 * #overloaded()}). Never leaves the gateway: {@link BackendPool} turns it into the caller's status.
 */
final class EndpointRefusedException extends RuntimeException {
  private final boolean overloaded;

  EndpointRefusedException(boolean overloaded) {
    super(
        overloaded ? "every endpoint at its bulkhead limit" : "every circuit open",
        null,
        false,
        false);
    this.overloaded = overloaded;
  }

  boolean overloaded() {
    return overloaded;
  }
}
