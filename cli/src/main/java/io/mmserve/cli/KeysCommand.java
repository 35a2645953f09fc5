package io.mmserve.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * {@code mmserve keys new --id ID --permissions read|write [--file FILE]}: makes a random API key,
 * prints it once on stdout, and appends {@code ID PERMISSION SHA256-HEX} to the gateway's keys file
 * (created readable by its owner only). The key itself is written nowhere.
 */
final class KeysCommand {
  static final String USAGE = "keys new --id ID --permissions read|write [--file FILE]";
  static final String DEFAULT_FILE = "data/api-keys";

  private static final String ID_PATTERN = "[A-Za-z0-9_.-]{1,64}";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final PrintStream out;
  private final PrintStream err;

  KeysCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** Runs {@code keys ARGS}; returns the exit code. */
  int run(List<String> args, Path home) {
    if (args.isEmpty() || !args.get(0).equals("new")) {
      throw new UsageException("keys takes the subcommand new: " + USAGE);
    }
    CommandLine line =
        CommandLine.parse(
            args.subList(1, args.size()), Set.of("--id", "--permissions", "--file"), Set.of());
    if (!line.positionals().isEmpty()) {
      throw new UsageException("keys new takes no arguments, but was given " + line.positionals());
    }
    String id = line.value("--id").orElseThrow(() -> new UsageException("keys new needs --id"));
    if (!id.matches(ID_PATTERN)) {
      throw new UsageException("--id must match " + ID_PATTERN + ", but was '" + id + "'");
    }
    String permission = line.value("--permissions").orElse("");
    if (!permission.equals("read") && !permission.equals("write")) {
      throw new UsageException("--permissions must be read or write, but was '" + permission + "'");
    }
    Path file = line.value("--file").map(Path::of).orElse(home.resolve(DEFAULT_FILE));
    String key = newKey();
    try {
      append(file, id, id + " " + permission + " " + sha256Hex(key) + "\n");
    } catch (IOException | IllegalStateException e) {
      err.println("mmserve keys new: " + e.getMessage());
      return 1;
    }
    out.println(key);
    err.println(
        "added key "
            + id
            + " ("
            + permission
            + ") to "
            + file
            + "; the key above is shown only now (the file holds its SHA-256)");
    return 0;
  }

  /** A new random key: {@code mmk_} and 43 base64url characters (256 bits). */
  static String newKey() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return "mmk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String sha256Hex(String key) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static void append(Path file, String id, String line) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    if (Files.exists(file)) {
      for (String existing : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] fields = existing.strip().split("\\s+");
        if (!existing.strip().startsWith("#") && fields[0].equals(id)) {
          throw new IllegalStateException(file + " already has a key with id " + id);
        }
      }
    } else {
      try {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file); // not a POSIX file system
      } catch (FileAlreadyExistsException e) {
        // made meanwhile: append to it
      }
    }
    Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }
}
