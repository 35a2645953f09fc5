package io.mmserve.gateway.auth;

import java.util.List;
import java.util.Optional;

/**
 * The API keys the gateway accepts now; replaced whole by {@link ApiKeysReloader} when the file
 * changes. Safe for any thread: readers see one list or the next, never a mix.
 */
public final class ApiKeys {
  private volatile List<ApiKey> keys;

  public ApiKeys(List<ApiKey> keys) {
    this.keys = List.copyOf(keys);
  }

  /**
   * The key whose hash matches {@code presented}'s. Every known hash is compared, each in constant
   * time ({@link java.security.MessageDigest#isEqual}), so the time taken does not tell which key
   * or how much of one matched.
   */
  public Optional<ApiKey> authenticate(String presented) {
    byte[] hash = ApiKey.hash(presented);
    ApiKey found = null;
    for (ApiKey key : keys) {
      if (key.matches(hash) && found == null) {
        found = key;
      }
    }
    return Optional.ofNullable(found);
  }

  /** The keys now accepted. */
  public List<ApiKey> keys() {
    return keys;
  }

  void replace(List<ApiKey> next) {
    keys = List.copyOf(next);
  }
}
