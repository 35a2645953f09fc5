package io.mmserve.gateway.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@link ApiKeys} in step with the keys file: {@link #reloadIfChanged()} reads the file and,
 * when its bytes changed since the last good read, parses it and swaps the keys in. A file that
 * cannot be read or parsed keeps the keys loaded before and logs why (once per bad version); the
 * file never holds a key, so the message cannot leak one.
 *
 * <p>{@link #start} polls on the caller's scheduler (tests call {@link #reloadIfChanged()}
 * themselves); {@link #close()} cancels the poll, the caller shuts the scheduler down.
 */
public final class ApiKeysReloader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiKeysReloader.class);

  private final Path file;
  private final ApiKeys keys;
  private byte[] loadedDigest = new byte[0];
  private byte[] refusedDigest = new byte[0];
  private ScheduledFuture<?> poll;

  private ApiKeysReloader(Path file, ApiKeys keys) {
    this.file = file;
    this.keys = keys;
  }

  /**
   * Reads {@code file} once, now.
   *
   * @throws IllegalArgumentException if the file cannot be read or parsed (the gateway does not
   *     start without its keys)
   */
  public static ApiKeysReloader load(Path file) {
    ApiKeysReloader reloader = new ApiKeysReloader(file, new ApiKeys(List.of()));
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the API keys file " + file + ": " + e, e);
    }
    reloader.keys.replace(
        ApiKeysFile.parse(new String(bytes, StandardCharsets.UTF_8), file.toString()));
    reloader.loadedDigest = sha256(bytes);
    return reloader;
  }

  /** The keys this reloader keeps current. */
  public ApiKeys keys() {
    return keys;
  }

  /** Polls every {@code interval} on {@code scheduler}, the first poll after one interval. */
  public synchronized ApiKeysReloader start(ScheduledExecutorService scheduler, Duration interval) {
    poll =
        scheduler.scheduleWithFixedDelay(
            this::reloadIfChanged, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    return this;
  }

  /**
   * Reloads the keys if the file's bytes changed since the last good load.
   *
   * @return true if new keys were swapped in
   */
  public synchronized boolean reloadIfChanged() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      log.warn(
          "API keys file {} cannot be read ({}); keeping the {} keys loaded before",
          file,
          e,
          keys.keys().size());
      return false;
    }
    byte[] digest = sha256(bytes);
    if (MessageDigest.isEqual(digest, loadedDigest)
        || MessageDigest.isEqual(digest, refusedDigest)) {
      return false;
    }
    try {
      List<ApiKey> next =
          ApiKeysFile.parse(new String(bytes, StandardCharsets.UTF_8), file.toString());
      keys.replace(next);
      loadedDigest = digest;
      log.info("API keys reloaded from {}: {} keys ({})", file, next.size(), ids(next));
      return true;
    } catch (IllegalArgumentException e) {
      refusedDigest = digest;
      log.warn(
          "API keys file {} is not valid, keeping the {} keys loaded before: {}",
          file,
          keys.keys().size(),
          e.getMessage());
      return false;
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static List<String> ids(List<ApiKey> keys) {
    return keys.stream().map(ApiKey::id).toList();
  }

  @Override
  public synchronized void close() {
    if (poll != null) {
      poll.cancel(false);
    }
  }
}
