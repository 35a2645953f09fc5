package io.mmserve.gateway.auth;

/**
 * Why a key's call was refused and when to try again.
 *
 * @param kind the limit that refused it
 * @param message for the caller: names the key id and the limit, never the key
 * @param retryAfterMillis when a retry may succeed, at least 1; -1 if it never will (a call with
 *     more items than the key's item burst)
 */
public record LimitRefusal(LimitKind kind, String message, long retryAfterMillis) {
  /** The pushback value that tells a client not to retry. */
  public static final long NEVER = -1;
}
