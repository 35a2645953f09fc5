package io.mmserve.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

/**
 * One API key as the gateway knows it: an id (safe to log and to use as a metric label), the
 * SHA-256 of the key, and what it may call. The key itself is never stored: it is a random token of
 * 256 bits, so a plain SHA-256 is enough to keep the file useless to a reader.
 *
 * @param id the key's name, {@code [A-Za-z0-9_.-]{1,64}}
 * @param sha256 the 32-byte SHA-256 of the key's UTF-8 text
 * @param permission what it may call
 * @param limits the key's own limits, in place of the configured defaults ({@link KeyLimits})
 */
public record ApiKey(
    String id, byte[] sha256, Permission permission, Map<LimitSetting, Integer> limits) {
  static final String ID_PATTERN = "[A-Za-z0-9_.-]{1,64}";
  private static final String PREFIX = "mmk_";
  private static final SecureRandom RANDOM = new SecureRandom();

  public ApiKey {
    if (!id.matches(ID_PATTERN)) {
      throw new IllegalArgumentException("key id must match " + ID_PATTERN + ", but was " + id);
    }
    if (sha256.length != 32) {
      throw new IllegalArgumentException("sha256 must be 32 bytes, but was " + sha256.length);
    }
    sha256 = sha256.clone();
    limits = Map.copyOf(limits);
  }

  /** A key with the configured default limits. */
  public ApiKey(String id, byte[] sha256, Permission permission) {
    this(id, sha256, permission, Map.of());
  }

  @Override
  public byte[] sha256() {
    return sha256.clone();
  }

  /** True if {@code presentedHash} is this key's hash; takes the same time whatever the bytes. */
  boolean matches(byte[] presentedHash) {
    return MessageDigest.isEqual(sha256, presentedHash);
  }

  /** A new random key: {@code mmk_} and 43 base64url characters (256 bits). */
  public static String newSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The SHA-256 of {@code secret}'s UTF-8 bytes. */
  public static byte[] hash(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** This key as a line of the keys file: {@code ID PERMISSION SHA256-HEX [LIMIT=N ...]}. */
  public String line() {
    StringBuilder line =
        new StringBuilder(id + " " + permission.word() + " " + HexFormat.of().formatHex(sha256));
    for (LimitSetting setting : LimitSetting.values()) { // in a fixed order
      if (limits.containsKey(setting)) {
        line.append(' ').append(setting.token()).append('=').append(limits.get(setting));
      }
    }
    return line.toString();
  }

  @Override
  public String toString() {
    return "ApiKey[" + id + ", " + permission.word() + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApiKey k
        && k.id.equals(id)
        && k.permission == permission
        && k.limits.equals(limits)
        && MessageDigest.isEqual(k.sha256, sha256);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }
}
