package io.mmserve.rollout;

import java.util.List;

/**
 * Which gRPC status codes (the {@code status} label of the gateway's per-version request timer)
 * count as errors of a model version in the analysis: server faults, never caller mistakes.
 *
 * <p>Counted: UNKNOWN, INTERNAL, UNAVAILABLE, DATA_LOSS, UNIMPLEMENTED (the version cannot serve a
 * method the stable one serves) and DEADLINE_EXCEEDED (a slower version misses more deadlines). Not
 * counted: INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED, UNAUTHENTICATED,
 * FAILED_PRECONDITION, OUT_OF_RANGE, RESOURCE_EXHAUSTED (a caller's request over a limit),
 * CANCELLED (the caller gave up) and OK.
 */
public final class ErrorCodes {
  public static final List<String> SERVER_FAULTS =
      List.of(
          "UNKNOWN", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNIMPLEMENTED", "DEADLINE_EXCEEDED");

  private ErrorCodes() {}

  /** A PromQL regular expression matching exactly the {@link #SERVER_FAULTS}. */
  static String promqlRegex() {
    return String.join("|", SERVER_FAULTS);
  }
}
