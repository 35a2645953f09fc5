package io.mmserve.gateway.routing;

/**
 * How the requests of one model are split between two of its versions.
 *
 * @param model the model name ("shapes-clip"), without a version
 * @param stableVersion the version requests get unless the canary is chosen ("1.0.0")
 * @param canaryVersion the version on trial ("1.1.0-int8"); empty for none
 * @param canaryPercent the share of requests, 0..100, that go to the canary; 0 without a canary
 */
public record VersionSplit(
    String model, String stableVersion, String canaryVersion, int canaryPercent) {

  /**
   * @throws IllegalArgumentException naming the bad part
   */
  public VersionSplit {
    requireName("model", model);
    requireName("stableVersion", stableVersion);
    if (!canaryVersion.isEmpty()) {
      requireName("canaryVersion", canaryVersion);
    }
    if (canaryPercent < 0 || canaryPercent > 100) {
      throw new IllegalArgumentException(
          "canaryPercent must be in 0..100, but was " + canaryPercent + " for model " + model);
    }
    if (canaryVersion.isEmpty() && canaryPercent > 0) {
      throw new IllegalArgumentException(
          "canaryPercent of model "
              + model
              + " is "
              + canaryPercent
              + ", but no canaryVersion is set");
    }
    if (canaryVersion.equals(stableVersion)) {
      throw new IllegalArgumentException(
          "canaryVersion and stableVersion of model " + model + " are both " + stableVersion);
    }
  }

  /** The version a request in percentile bucket {@code bucket} (0..99) gets. */
  String versionFor(int bucket) {
    return bucket < canaryPercent ? canaryVersion : stableVersion;
  }

  private static void requireName(String what, String value) {
    if (value == null || value.isBlank() || value.contains("@") || !value.strip().equals(value)) {
      throw new IllegalArgumentException(
          what
              + " must be a non-empty name without '@' or surrounding spaces, but was '"
              + value
              + "'");
    }
  }
}
