package io.mmserve.gateway.auth;

import java.util.Locale;

/**
 * One per-key limit, as named in a keys-file token ({@code rps=50}) and, after {@code
 * auth.limits.}, in the gateway's configuration. A value of 0 means unlimited.
 */
public enum LimitSetting {
  /** Calls a second the key's request bucket refills by. */
  RPS("rps", "requests-per-second"),
  /** The request bucket's size: calls that may come at once; 0 means one second's worth. */
  BURST("burst", "burst"),
  /** Items a second (see {@link RequestItems}) the key's item bucket refills by. */
  ITEMS("items", "items-per-second"),
  /** The item bucket's size, the most items one call may carry; 0 means one second's worth. */
  ITEM_BURST("item-burst", "item-burst"),
  /** Calls of the key in flight at once. */
  CONCURRENCY("concurrency", "concurrency");

  /** The most any limit may be set to. */
  static final int MAX = 1_000_000;

  private final String token;
  private final String configKey;

  LimitSetting(String token, String configKey) {
    this.token = token;
    this.configKey = configKey;
  }

  /** The name in a keys-file token: {@code rps}, {@code burst}, ... */
  public String token() {
    return token;
  }

  /** The configuration key of the default: {@code auth.limits.requests-per-second}, ... */
  public String configKey() {
    return "auth.limits." + configKey;
  }

  /**
   * The setting a keys-file token names.
   *
   * @throws IllegalArgumentException naming the token and the known names
   */
  static LimitSetting ofToken(String name) {
    for (LimitSetting s : values()) {
      if (s.token.equals(name.toLowerCase(Locale.ROOT))) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown limit "
            + name
            + ": a limit is rps=N, burst=N, items=N, item-burst=N or concurrency=N");
  }
}
