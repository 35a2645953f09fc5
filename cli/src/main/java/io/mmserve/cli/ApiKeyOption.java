package io.mmserve.cli;

import io.grpc.Channel;
import io.mmserve.client.MmserveClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The API key a client command sends as {@code authorization: Bearer KEY}: {@code --api-key KEY},
 * else the environment variable {@value #ENV}, else none. The key is a secret: no message, log line
 * or {@code toString} of this class shows it.
 */
final class ApiKeyOption {
  static final String OPTION = "--api-key";

  /** The environment variable holding the key when {@code --api-key} is not given. */
  static final String ENV = "MMSERVE_API_KEY";

  static final String USAGE = OPTION + " KEY (or $" + ENV + ")";

  private final String key; // null: none

  private ApiKeyOption(String key) {
    this.key = key;
  }

  /**
   * The key of {@code line}'s {@code --api-key}, else of {@value #ENV} (an empty one is unset).
   *
   * @throws UsageException if the key is empty or not printable ASCII (the key is not shown)
   */
  static ApiKeyOption from(CommandLine line, Map<String, String> env) {
    Optional<String> given = line.value(OPTION);
    String where = given.isPresent() ? OPTION : "$" + ENV;
    String key = given.orElseGet(() -> env.getOrDefault(ENV, "")).strip();
    if (given.isPresent() && key.isEmpty()) {
      throw new UsageException(OPTION + " must not be empty");
    }
    if (!key.isEmpty() && !key.matches("[!-~]+")) {
      throw new UsageException(
          where + " must be printable ASCII without spaces (the key is not shown here)");
    }
    return new ApiKeyOption(key.isEmpty() ? null : key);
  }

  /** No key. */
  static ApiKeyOption none() {
    return new ApiKeyOption(null);
  }

  boolean present() {
    return key != null;
  }

  /** A client over {@code channel} with {@code timeout} and this key on every call. */
  MmserveClient client(Channel channel, Duration timeout) {
    MmserveClient client = MmserveClient.over(channel).withTimeout(timeout);
    return key == null ? client : client.withHeader("authorization", "Bearer " + key);
  }

  @Override
  public String toString() {
    return key == null ? "no API key" : "an API key";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApiKeyOption other && java.util.Objects.equals(other.key, key);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hashCode(key);
  }
}
