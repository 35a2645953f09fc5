package io.mmserve.gateway.auth;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the API keys file: one key a line, {@code ID PERMISSION SHA256-HEX} ({@code reader read
 * 9f86d0...}), then optionally the key's own limits as {@code NAME=N} tokens ({@code rps=50
 * items=2000 burst=100 item-burst=4000 concurrency=16}, 0 for unlimited; see {@link LimitSetting}),
 * blank lines and lines starting with {@code #} ignored. It holds no key, only hashes: {@code
 * ./mmserve keys new} prints a key once and appends its line.
 */
public final class ApiKeysFile {
  private ApiKeysFile() {}

  /**
   * The keys in {@code text}.
   *
   * @param source where the text came from, in messages
   * @throws IllegalArgumentException naming the line and the rule for the first bad line, a
   *     repeated id, or a repeated hash
   */
  public static List<ApiKey> parse(String text, String source) {
    List<ApiKey> keys = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> hashes = new HashSet<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = source + ":" + (i + 1) + ": ";
      String[] fields = line.split("\\s+");
      if (fields.length < 3) {
        throw new IllegalArgumentException(
            where
                + "a key line is ID PERMISSION SHA256-HEX [LIMIT=N ...] (at least 3 fields), but had "
                + fields.length);
      }
      if (!fields[2].matches("[0-9a-fA-F]{64}")) {
        throw new IllegalArgumentException(
            where
                + "the hash must be 64 hex digits (a SHA-256), but had "
                + fields[2].length()
                + " characters");
      }
      ApiKey key;
      try {
        key =
            new ApiKey(
                fields[0],
                HexFormat.of().parseHex(fields[2]),
                Permission.of(fields[1]),
                limits(fields));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + e.getMessage(), e);
      }
      if (!ids.add(key.id())) {
        throw new IllegalArgumentException(where + "key id " + key.id() + " appears twice");
      }
      if (!hashes.add(fields[2].toLowerCase(java.util.Locale.ROOT))) {
        throw new IllegalArgumentException(where + "this hash appears twice");
      }
      keys.add(key);
    }
    return List.copyOf(keys);
  }

  /** The {@code NAME=N} tokens after the hash. */
  private static Map<LimitSetting, Integer> limits(String[] fields) {
    Map<LimitSetting, Integer> limits = new EnumMap<>(LimitSetting.class);
    for (int f = 3; f < fields.length; f++) {
      String token = fields[f];
      int equals = token.indexOf('=');
      if (equals <= 0) {
        throw new IllegalArgumentException(
            "a limit is NAME=N (rps, burst, items, item-burst, concurrency), but was " + token);
      }
      LimitSetting setting = LimitSetting.ofToken(token.substring(0, equals));
      String value = token.substring(equals + 1);
      if (!value.matches("[0-9]{1,7}")) {
        throw new IllegalArgumentException(
            setting.token() + " must be a whole number (0: unlimited), but was " + value);
      }
      if (limits.put(setting, Integer.parseInt(value)) != null) {
        throw new IllegalArgumentException(setting.token() + " appears twice");
      }
    }
    KeyLimits.of(limits); // the range of each value
    return limits;
  }
}
