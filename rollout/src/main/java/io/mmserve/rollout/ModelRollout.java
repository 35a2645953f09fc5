package io.mmserve.rollout;

import java.util.Optional;

/**
 * One ModelRollout object (group {@value #GROUP}, version {@value #VERSION}, namespaced) as read
 * from the API server.
 *
 * @param generation {@code metadata.generation}: bumped by the API server on every spec change
 * @param action the {@value #ACTION_ANNOTATION} annotation, if set (a request from {@code ./mmserve
 *     rollout promote|abort})
 */
public record ModelRollout(
    String namespace,
    String name,
    long generation,
    RolloutSpec spec,
    RolloutStatus status,
    Optional<String> action) {
  public static final String GROUP = "mmserve.io";
  public static final String VERSION = "v1alpha1";
  public static final String KIND = "ModelRollout";
  public static final String PLURAL = "modelrollouts";

  /**
   * An annotation asking the controller for a manual action: {@value #PROMOTE} or {@value #ABORT}.
   * The controller acts on it once and removes it.
   */
  public static final String ACTION_ANNOTATION = "mmserve.io/rollout-action";

  public static final String PROMOTE = "promote";
  public static final String ABORT = "abort";

  /** {@code namespace/name}, for messages. */
  public String key() {
    return namespace + "/" + name;
  }
}
