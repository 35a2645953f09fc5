package io.mmserve.kit.tls;

import io.mmserve.kit.config.ConfigException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PEM files whose contents are applied again whenever their bytes change. {@link #reloadIfChanged}
 * reads every file and, if the bytes differ from those applied last, parses and applies them; a
 * file that cannot be read or parsed, or a set that does not fit together (a new certificate beside
 * the old key while a rotation is half written), is logged once and the material applied before
 * stays in use. Called by the poll of {@link ServerTls} or {@link ClientTls}, one thread at a time.
 */
abstract class WatchedFiles {
  private static final Logger log = LoggerFactory.getLogger(WatchedFiles.class);

  private final String keys;
  private final List<String> settings;
  private final List<Path> files;
  private byte[] applied = new byte[0]; // digest of what is in use; guarded by this
  private byte[] rejected = new byte[0]; // digest of the last set refused; guarded by this

  /**
   * @param settings the setting naming each file, in messages
   * @param files the files, in the order {@link #apply} gets their contents
   */
  WatchedFiles(List<String> settings, List<Path> files) {
    this.settings = List.copyOf(settings);
    this.files = List.copyOf(files);
    this.keys = String.join(" and ", settings);
  }

  /**
   * Reads and applies the files for the first time.
   *
   * @throws ConfigException naming the setting and the file when one is missing or bad
   */
  final synchronized void load() {
    List<byte[]> contents = read();
    apply(contents);
    applied = digest(contents);
  }

  /**
   * Applies the files again if their bytes changed since they were last applied.
   *
   * @return true if new material is in use
   */
  final synchronized boolean reloadIfChanged() {
    List<byte[]> contents;
    try {
      contents = read();
    } catch (ConfigException e) {
      warnOnce(new byte[] {1}, e.getMessage());
      return false;
    }
    byte[] digest = digest(contents);
    if (Arrays.equals(digest, applied)) {
      return false;
    }
    try {
      String what = apply(contents);
      applied = digest;
      rejected = new byte[0];
      log.info("TLS {} reloaded: {}", keys, what);
      return true;
    } catch (ConfigException e) {
      warnOnce(digest, e.getMessage());
      return false;
    }
  }

  /**
   * Parses and puts {@code contents} in use, or throws without changing what is in use.
   *
   * @return what is now in use, for the log (such as the certificate's subject and serial)
   * @throws ConfigException naming the setting and the file of what is wrong
   */
  abstract String apply(List<byte[]> contents);

  /** The setting naming file {@code i}. */
  final String setting(int i) {
    return settings.get(i);
  }

  /** File {@code i}. */
  final Path file(int i) {
    return files.get(i);
  }

  private List<byte[]> read() {
    List<byte[]> contents = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      contents.add(PemFiles.read(settings.get(i), files.get(i)));
    }
    return contents;
  }

  private void warnOnce(byte[] digest, String why) {
    if (!Arrays.equals(digest, rejected)) {
      rejected = digest;
      log.warn("TLS {} not reloaded, the files loaded before stay in use: {}", keys, why);
    }
  }

  private static byte[] digest(List<byte[]> contents) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      for (byte[] content : contents) {
        sha256.update(
            Integer.toString(content.length).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        sha256.update(content);
      }
      return sha256.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JDK", e);
    }
  }
}
