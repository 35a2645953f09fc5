package io.mmserve.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Elasticsearch 8 on loopback for integration tests: the distribution zip
 * ({@code org.elasticsearch.distribution.integ-test-zip:elasticsearch}, which the module's build
 * copies from Maven and names in the system property {@value #ZIP_PROPERTY}), unpacked once by
 * {@link ElasticsearchInstall}, run on the test's own JDK with security off, single-node discovery,
 * a 512 MiB heap, and free HTTP and transport ports outside 9200-9300.
 *
 * <p>Elasticsearch refuses to run as root: as root the server runs as the system user {@value
 * ElasticsearchInstall#USER} (created with {@code useradd} when missing) through {@code runuser};
 * otherwise as the current user. Its data, logs and config live in the folder given to {@link
 * #start}; the log is {@code logs/mmserve-test.log} there.
 *
 * <p>{@link #start} returns once cluster health is yellow or green. The caller closes the instance,
 * which stops the whole process tree; {@link #stop} and {@link #restart} let a test take the server
 * away and bring it back on the same port and data. Not thread-safe: one test thread drives it.
 */
public final class Elasticsearch implements AutoCloseable {
  /** The system property naming the distribution zip. */
  public static final String ZIP_PROPERTY = "mmserve.elasticsearch.zip";

  /** How long the server may take to start (measured here: about 25 s on 2 shared cores). */
  public static final Duration START_TIMEOUT = Duration.ofMinutes(4);

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
  private static final String LOOPBACK = "127.0.0.1";

  private final ElasticsearchInstall install;
  private final Path dir;
  private final int httpPort;
  private final int transportPort;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Process process;

  private Elasticsearch(ElasticsearchInstall install, Path dir, int httpPort, int transportPort) {
    this.install = install;
    this.dir = dir;
    this.httpPort = httpPort;
    this.transportPort = transportPort;
  }

  /**
   * Starts a fresh server whose data, logs and config live in {@code dir} (emptied first).
   *
   * @throws IllegalStateException when the zip is missing, the server user cannot be made, or the
   *     server does not become healthy within {@link #START_TIMEOUT} (with the end of its log and
   *     what to do)
   */
  public static Elasticsearch start(Path dir) throws IOException {
    ElasticsearchInstall install = ElasticsearchInstall.fromZip(zip());
    Elasticsearch es = new Elasticsearch(install, dir.toAbsolutePath(), freePort(), freePort());
    es.prepare();
    es.launch();
    return es;
  }

  /** The server's URL, {@code http://127.0.0.1:PORT}. */
  public String url() {
    return "http://" + LOOPBACK + ":" + httpPort;
  }

  /** The distribution's version, e.g. "8.19.21". */
  public String version() {
    return install.version();
  }

  /** Stops the server (the whole process tree); its data stays for {@link #restart}. */
  public void stop() {
    Process p = process;
    process = null;
    if (p == null) {
      return;
    }
    List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
    tree.add(p.toHandle());
    tree.forEach(ProcessHandle::destroy); // SIGTERM: the server shuts down cleanly
    long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
    for (ProcessHandle h : tree) {
      try {
        h.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (Exception e) {
        // still running after the timeout: killed below
      }
    }
    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  /** Starts the stopped server again on the same ports with the same data. */
  public void restart() {
    stop();
    launch();
  }

  @Override
  public void close() {
    stop();
  }

  private static Path zip() {
    String property = System.getProperty(ZIP_PROPERTY);
    if (property == null || !Files.isRegularFile(Path.of(property))) {
      throw new IllegalStateException(
          "no Elasticsearch distribution zip (system property "
              + ZIP_PROPERTY
              + " = "
              + property
              + "): run the module's integration tests through Maven (./mvnw verify -pl"
              + " gallery-svc -am), which copies it from the Maven repository");
    }
    return Path.of(property);
  }

  /** The config folder and the data and log folders, owned by the user that runs the server. */
  private void prepare() throws IOException {
    ElasticsearchInstall.deleteRecursively(dir); // a fresh server: no data of an earlier run
    Path config = Files.createDirectories(dir.resolve("config"));
    install.copyDefaultConfig(config);
    Files.writeString(
        config.resolve("elasticsearch.yml"),
        String.join(
            "\n",
            "cluster.name: mmserve-test",
            "node.name: node-1",
            "discovery.type: single-node",
            "network.host: " + LOOPBACK,
            "http.port: " + httpPort,
            "transport.port: " + transportPort,
            "path.data: " + Files.createDirectories(dir.resolve("data")),
            "path.logs: " + Files.createDirectories(dir.resolve("logs")),
            "xpack.security.enabled: false",
            "xpack.ml.enabled: false",
            "action.destructive_requires_name: false",
            // a test server owns no real data: without this, a machine whose disk is over 90% used
            // (free space counted against the whole volume) gets no shard allocated, and every
            // index creation waits until the client's timeout
            "cluster.routing.allocation.disk.threshold_enabled: false",
            ""),
        StandardCharsets.UTF_8);
    Files.createDirectories(dir.resolve("tmp"));
    install.handOver(dir);
  }

  private void launch() {
    List<String> command = new ArrayList<>(install.runAs());
    command.addAll(
        List.of(
            "env",
            "-u",
            "JAVA_HOME", // the launcher warns about it; ES_JAVA_HOME below is the one it uses
            "ES_JAVA_HOME=" + javaHome(),
            "ES_PATH_CONF=" + dir.resolve("config"),
            "ES_TMPDIR=" + dir.resolve("tmp"),
            "ES_JAVA_OPTS=-Xms512m -Xmx512m",
            install.home().resolve("bin/elasticsearch").toString()));
    Path out = dir.resolve("logs/mmserve-test.log");
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
    }
    awaitHealthy(out);
  }

  private void awaitHealthy(Path out) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    HttpRequest health =
        HttpRequest.newBuilder(
                URI.create(url() + "/_cluster/health?wait_for_status=yellow&timeout=1s"))
            .timeout(Duration.ofSeconds(5))
            .build();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw failed("exited with " + process.exitValue(), out);
      }
      try {
        HttpResponse<String> response = http.send(health, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stop();
        throw new IllegalStateException("interrupted waiting for Elasticsearch", e);
      }
      try {
        Thread.sleep(250); // polling a condition, not racing a deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stop();
        throw new IllegalStateException("interrupted waiting for Elasticsearch", e);
      }
    }
    stop();
    throw failed("was not healthy within " + START_TIMEOUT.toSeconds() + " s", out);
  }

  private IllegalStateException failed(String what, Path out) {
    String tail;
    try {
      List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
      tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      tail = "(no log: " + e + ")";
    }
    return new IllegalStateException(
        "Elasticsearch "
            + install.version()
            + " at "
            + url()
            + " "
            + what
            + "; its output is in "
            + out
            + " (on Java "
            + javaHome()
            + "; another JDK 17+ can be set with ES_JAVA_HOME, and the server needs about 1 GiB"
            + " of free memory):\n"
            + tail);
  }

  /** The JDK that runs the server: ES_JAVA_HOME if set, else the test's own. */
  private static String javaHome() {
    String configured = System.getenv("ES_JAVA_HOME");
    return configured != null && !configured.isBlank()
        ? configured
        : System.getProperty("java.home");
  }

  /** A free loopback port, never one of 9200-9300 (which other tools here expect free). */
  private static int freePort() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
        int port = socket.getLocalPort();
        if (port < 9200 || port > 9300) {
          return port;
        }
      }
    }
    throw new IllegalStateException("no free loopback port outside 9200-9300");
  }
}
