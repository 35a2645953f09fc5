package io.mmserve.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Prometheus server of {@code up --observe}: Debian's {@code prometheus} binary scraping the
 * stack's admin ports with the chart's alert rules ({@link PrometheusConfig}), on loopback, its
 * configuration, data and log in a new temporary folder that {@link #stop} deletes.
 *
 * <p>Thread-safety: started and awaited on the launcher's main thread; {@link #stop} may run on the
 * shutdown hook and does its work once.
 */
final class LocalPrometheus {
  /** Where Debian's package puts the binary when it is not on the PATH. */
  static final Path DEBIAN_BINARY = Path.of("/usr/bin/prometheus");

  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
  private static final Duration STOP_WAIT = Duration.ofSeconds(10);

  private final Process process;
  private final Path folder;
  private final int port;
  private boolean stopped;

  private LocalPrometheus(Process process, Path folder, int port) {
    this.process = process;
    this.folder = folder;
    this.port = port;
  }

  /**
   * The prometheus binary: the first on {@code path} (the PATH variable's value), else Debian's.
   *
   * @throws StackException saying how to install it when there is none
   */
  static Path findBinary(String path) throws StackException {
    Stream<Path> onPath =
        path == null || path.isEmpty()
            ? Stream.empty()
            : Stream.of(path.split(java.io.File.pathSeparator)).map(d -> Path.of(d, "prometheus"));
    return Stream.concat(onPath, Stream.of(DEBIAN_BINARY))
        .filter(Files::isExecutable)
        .findFirst()
        .orElseThrow(
            () ->
                new StackException(
                    "--observe needs Prometheus, but there is no prometheus on the PATH nor at "
                        + DEBIAN_BINARY
                        + ": install Debian's prometheus package (apt-get install prometheus)"));
  }

  /**
   * Writes the configuration into a new temporary folder and starts Prometheus on {@code
   * 127.0.0.1:port}; returns without waiting for it to be ready ({@link #awaitReady}).
   *
   * @throws StackException if the folder cannot be made or the binary cannot be run
   */
  static LocalPrometheus start(Path binary, Path rules, List<ServiceSpec> services, int port)
      throws StackException {
    Path folder;
    try {
      folder = Files.createTempDirectory("mmserve-prometheus-");
      Path config = folder.resolve("prometheus.yml");
      Files.writeString(
          config, PrometheusConfig.render(services, rules, PrometheusConfig.SCRAPE_INTERVAL));
      Process process =
          new ProcessBuilder(
                  binary.toString(),
                  "--config.file=" + config,
                  "--storage.tsdb.path=" + folder.resolve("data"),
                  "--web.listen-address=" + StackPlan.HOST + ":" + port,
                  "--log.level=warn")
              .directory(folder.toFile())
              .redirectErrorStream(true)
              .redirectOutput(folder.resolve("prometheus.log").toFile())
              .start();
      process.getOutputStream().close();
      return new LocalPrometheus(process, folder, port);
    } catch (IOException e) {
      throw new StackException("cannot start Prometheus (" + binary + "): " + e.getMessage());
    }
  }

  /** Its web address, such as {@code http://127.0.0.1:9090}. */
  String url() {
    return "http://" + StackPlan.HOST + ":" + port;
  }

  /** The folder holding its configuration, data and log. */
  Path folder() {
    return folder;
  }

  /**
   * Polls {@code /-/ready} until Prometheus answers 200.
   *
   * @throws StackException with the end of its log if it exits or is not ready in time
   */
  void awaitReady(Duration timeout) throws StackException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpRequest ready =
        HttpRequest.newBuilder(URI.create(url() + "/-/ready")).timeout(POLL_INTERVAL).build();
    try (HttpClient http = HttpClient.newHttpClient()) {
      while (true) {
        if (!process.isAlive()) {
          throw new StackException(
              "Prometheus exited with code " + process.exitValue() + ":\n" + logTail());
        }
        try {
          if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return;
          }
        } catch (IOException e) {
          // not listening yet
        }
        if (System.nanoTime() - deadline > 0) {
          throw new StackException(
              "Prometheus was not ready on " + url() + " within " + timeout + ":\n" + logTail());
        }
        process.waitFor(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Stops Prometheus (SIGTERM, then SIGKILL after 10 s) and deletes its folder; once. */
  synchronized void stop() throws InterruptedException {
    if (stopped) {
      return;
    }
    stopped = true;
    process.destroy();
    if (!process.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      // a temporary folder: the system cleans it up in time
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(folder.resolve("prometheus.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
