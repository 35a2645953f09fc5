package io.mmserve.gateway.auth;

/** Which limit refused a call: the {@code limit} label of {@value KeyLimitGate#LIMITED}. */
public enum LimitKind {
  /** The key's calls per second (and burst). */
  REQUESTS("requests"),
  /** The key's items per second (and item burst). */
  ITEMS("items"),
  /** The key's calls in flight. */
  CONCURRENCY("concurrency");

  private final String label;

  LimitKind(String label) {
    this.label = label;
  }

  /** The metric label value. */
  public String label() {
    return label;
  }
}
