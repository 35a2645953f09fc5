package io.mmserve.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.UserPrincipal;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * An unpacked Elasticsearch distribution and the user that runs it, for {@link Elasticsearch}.
 *
 * <p>The zip is unpacked once into the cache {@code ~/.cache/mmserve/elasticsearch-VERSION} (a
 * marker file says the unpacking finished); without a usable cache it is unpacked again. Each
 * server gets its own copy of the install as hard links (or copies) in its folder, because the
 * cache may sit where the server's user cannot read (root's home is mode 700), and Elasticsearch
 * must not write into a shared install.
 */
final class ElasticsearchInstall {
  /** The unprivileged system user that runs the server when the tests run as root. */
  static final String USER = "mmserve-es";

  private static final String FALLBACK_USER = "nobody";
  private static final String COMPLETE = ".mmserve-unpacked";

  private final Path cache;
  private final String version;
  private Path home;
  private String user; // null: run as the current user

  private ElasticsearchInstall(Path cache, String version) {
    this.cache = cache;
    this.version = version;
  }

  /** Unpacks {@code zip} into the cache unless it is already there. */
  static ElasticsearchInstall fromZip(Path zip) throws IOException {
    String version = versionOf(zip);
    Path cacheRoot =
        Path.of(System.getProperty("user.home"), ".cache", "mmserve", "elasticsearch-" + version);
    if (!Files.exists(cacheRoot.resolve(COMPLETE))) {
      unpack(zip, cacheRoot);
    }
    return new ElasticsearchInstall(cacheRoot, version);
  }

  String version() {
    return version;
  }

  /** The install the server runs from (its {@code bin/elasticsearch}). */
  Path home() {
    return home;
  }

  /** Copies the distribution's default config files (jvm.options, log4j2) into {@code config}. */
  void copyDefaultConfig(Path config) throws IOException {
    try (Stream<Path> files = Files.list(cache.resolve("config"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.copy(f, config.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Path jvmOptions = Files.createDirectories(config.resolve("jvm.options.d"));
    // no gc.log or heap dumps in the test folder; the server's own log is enough
    Files.writeString(jvmOptions.resolve("mmserve-test.options"), "-Xlog:disable\n");
  }

  /**
   * Lays the install into {@code dir/home} and, when running as root, gives {@code dir} (without
   * the install) to the server's user.
   */
  void handOver(Path dir) throws IOException {
    home = dir.resolve("home");
    deleteRecursively(home);
    link(cache, home);
    if (isRoot()) {
      user = ensureUser();
      UserPrincipal owner =
          dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.filter(p -> !p.startsWith(home)).toList()) {
          Files.setOwner(p, owner);
        }
      }
    }
  }

  /** The command prefix that runs the server as its user: none, or {@code runuser -u USER --}. */
  List<String> runAs() {
    return user == null ? List.of() : List.of("runuser", "-u", user, "--");
  }

  private static String versionOf(Path zip) throws IOException {
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      ZipEntry first = in.getNextEntry();
      if (first == null || !first.getName().startsWith("elasticsearch-")) {
        throw new IllegalStateException(zip + " is not an Elasticsearch distribution zip");
      }
      String top = first.getName().substring(0, first.getName().indexOf('/'));
      return top.substring("elasticsearch-".length());
    }
  }

  /**
   * Unpacks into a temporary sibling, then moves it into place (so a half-unpacked is never used).
   */
  private static void unpack(Path zip, Path target) throws IOException {
    Files.createDirectories(target.getParent());
    Path staging = Files.createTempDirectory(target.getParent(), target.getFileName() + ".tmp-");
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        String name = e.getName();
        String relative = name.substring(name.indexOf('/') + 1);
        if (relative.isEmpty()) {
          continue;
        }
        Path out = staging.resolve(relative).normalize();
        if (!out.startsWith(staging)) {
          throw new IllegalStateException("zip entry outside the install: " + name);
        }
        if (e.isDirectory()) {
          Files.createDirectories(out);
        } else {
          Files.createDirectories(out.getParent());
          copy(in, out);
        }
      }
    }
    try (Stream<Path> scripts = Files.list(staging.resolve("bin"))) {
      for (Path script : scripts.toList()) {
        script.toFile().setExecutable(true, false); // a zip keeps no Unix modes for Java
      }
    }
    Files.writeString(staging.resolve(COMPLETE), zip.getFileName() + "\n");
    deleteRecursively(target);
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException e) {
      deleteRecursively(staging); // another fork unpacked it meanwhile
    }
  }

  private static void copy(InputStream in, Path out) throws IOException {
    Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
  }

  /** A tree of hard links to {@code from} at {@code to}; copies where links are not possible. */
  private static void link(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path source : all.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
          continue;
        }
        try {
          Files.createLink(target, source);
        } catch (IOException | UnsupportedOperationException e) {
          Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** {@value #USER}, created as a system user when missing; else {@value #FALLBACK_USER}. */
  private static String ensureUser() {
    if (run("id", "-u", USER) == 0) {
      return USER;
    }
    if (run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER) == 0) {
      return USER;
    }
    if (run("id", "-u", FALLBACK_USER) == 0) {
      return FALLBACK_USER;
    }
    throw new IllegalStateException(
        "Elasticsearch refuses to run as root, and neither the user "
            + USER
            + " could be created (useradd) nor does "
            + FALLBACK_USER
            + " exist: create an unprivileged user named "
            + USER);
  }

  private static int run(String... command) {
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      return -1; // no such command
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
    }
  }
}
