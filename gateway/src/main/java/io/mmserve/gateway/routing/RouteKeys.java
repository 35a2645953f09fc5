package io.mmserve.gateway.routing;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;

/**
 * The percentile bucket (0..99) of a caller's routing key: MurmurHash3 (32-bit, fixed) of its UTF-8
 * bytes, the same on every gateway replica and across restarts. A key in bucket b gets the canary
 * while the canary's weight is above b, so a caller on the canary stays there as the weight grows.
 */
public final class RouteKeys {
  /**
   * The request header (gRPC metadata, or HTTP header on the HTTP/JSON API) that carries the key.
   */
  public static final String HEADER = "mmserve-route-key";

  private RouteKeys() {}

  /** The bucket of {@code key}, in 0..99. */
  public static int bucket(String key) {
    int hash = Hashing.murmur3_32_fixed().hashString(key, StandardCharsets.UTF_8).asInt();
    return Math.floorMod(hash, 100);
  }
}
