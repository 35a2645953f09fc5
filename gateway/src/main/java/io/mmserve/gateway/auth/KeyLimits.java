package io.mmserve.gateway.auth;

import java.util.EnumMap;
import java.util.Map;

/**
 * The limits one key's calls get, each 0 for unlimited: calls per second with a burst, items per
 * second with a burst, calls in flight. Built from the configured defaults ({@code auth.limits.*})
 * with the key's own overrides from the keys file on top ({@link #withOverrides}).
 *
 * @param requestsPerSecond how fast the request bucket refills, calls per second
 * @param burst the request bucket's size (calls that may come at once)
 * @param itemsPerSecond how fast the item bucket refills, items per second
 * @param itemBurst the item bucket's size (also the most items one call may carry)
 * @param concurrency calls in flight at once
 */
public record KeyLimits(
    int requestsPerSecond, int burst, int itemsPerSecond, int itemBurst, int concurrency) {
  /** No limit at all: the default. */
  public static final KeyLimits UNLIMITED = new KeyLimits(0, 0, 0, 0, 0);

  public KeyLimits {
    check(LimitSetting.RPS, requestsPerSecond);
    check(LimitSetting.BURST, burst);
    check(LimitSetting.ITEMS, itemsPerSecond);
    check(LimitSetting.ITEM_BURST, itemBurst);
    check(LimitSetting.CONCURRENCY, concurrency);
  }

  /** These limits from a value per setting; a setting not in {@code values} is 0. */
  public static KeyLimits of(Map<LimitSetting, Integer> values) {
    return UNLIMITED.withOverrides(values);
  }

  /** These limits with {@code overrides} in place of the settings they name. */
  public KeyLimits withOverrides(Map<LimitSetting, Integer> overrides) {
    Map<LimitSetting, Integer> all = new EnumMap<>(LimitSetting.class);
    all.put(LimitSetting.RPS, requestsPerSecond);
    all.put(LimitSetting.BURST, burst);
    all.put(LimitSetting.ITEMS, itemsPerSecond);
    all.put(LimitSetting.ITEM_BURST, itemBurst);
    all.put(LimitSetting.CONCURRENCY, concurrency);
    all.putAll(overrides);
    return new KeyLimits(
        all.get(LimitSetting.RPS),
        all.get(LimitSetting.BURST),
        all.get(LimitSetting.ITEMS),
        all.get(LimitSetting.ITEM_BURST),
        all.get(LimitSetting.CONCURRENCY));
  }

  /** The request bucket's size: {@link #burst}, or one second's worth when that is 0. */
  int requestCapacity() {
    return burst > 0 ? burst : requestsPerSecond;
  }

  /** The item bucket's size: {@link #itemBurst}, or one second's worth when that is 0. */
  int itemCapacity() {
    return itemBurst > 0 ? itemBurst : itemsPerSecond;
  }

  /** True if no limit is set. */
  public boolean unlimited() {
    return requestsPerSecond == 0 && itemsPerSecond == 0 && concurrency == 0;
  }

  private static void check(LimitSetting setting, int value) {
    if (value < 0 || value > LimitSetting.MAX) {
      throw new IllegalArgumentException(
          setting.token()
              + " must be in 0.."
              + LimitSetting.MAX
              + " (0: unlimited), but was "
              + value);
    }
  }
}
