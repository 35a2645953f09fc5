package io.mmserve.kubernetes;

import io.mmserve.testsupport.Poll;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Debian's Prometheus ({@code /usr/bin/prometheus}, installed by .ci/system-packages.sh) on a free
 * loopback port, scraping its targets as job {@code gateway} every scrape interval ({@link
 * #SCRAPE_INTERVAL} unless given); configuration, data and log in a folder the caller names. The
 * targets are a file Prometheus watches ({@code file_sd_configs}), so {@link #scrape} changes them
 * while it runs (for a process started after it). {@link #close} stops it.
 */
final class TestPrometheus implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/prometheus");
  static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);

  /** The targets file in the folder, in file_sd's JSON form. */
  private static final String TARGETS = "targets.json";

  private final Process process;
  private final Path folder;
  private final int port;
  private final Duration scrapeInterval;

  private TestPrometheus(Process process, Path folder, int port, Duration scrapeInterval) {
    this.process = process;
    this.folder = folder;
    this.port = port;
    this.scrapeInterval = scrapeInterval;
  }

  /**
   * Starts it scraping {@code target} ({@code host:port}) as job {@code gateway}; waits for ready.
   */
  static TestPrometheus start(Path folder, String target) throws Exception {
    return start(folder, SCRAPE_INTERVAL, List.of(target));
  }

  /**
   * Starts it scraping {@code targets} ({@code host:port} each) as job {@code gateway} every {@code
   * scrapeInterval} (whole seconds); waits for ready.
   */
  static TestPrometheus start(Path folder, Duration scrapeInterval, List<String> targets)
      throws Exception {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(
          "no " + BINARY + ": install Debian's prometheus package (.ci/system-packages.sh does)");
    }
    Files.createDirectories(folder);
    writeTargets(folder, targets);
    Path config = folder.resolve("prometheus.yml");
    Files.writeString(
        config,
        "global:\n  scrape_interval: "
            + scrapeInterval.toSeconds()
            + "s\nscrape_configs:\n  - job_name: gateway\n    file_sd_configs:\n"
            + "      - files: [\""
            + folder.resolve(TARGETS)
            + "\"]\n        refresh_interval: 1s\n");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Process process =
        new ProcessBuilder(
                BINARY.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + folder.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(folder.resolve("prometheus.log").toFile())
            .start();
    TestPrometheus prometheus = new TestPrometheus(process, folder, port, scrapeInterval);
    prometheus.awaitReady();
    return prometheus;
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  Duration scrapeInterval() {
    return scrapeInterval;
  }

  /**
   * Scrapes {@code targets} ({@code host:port} each) from now on, instead of the ones before;
   * Prometheus sees the file change within its refresh interval (1 s).
   */
  void scrape(List<String> targets) throws IOException {
    writeTargets(folder, targets);
  }

  /** The file_sd file, replaced in one move so Prometheus never reads half of it. */
  private static void writeTargets(Path folder, List<String> targets) throws IOException {
    String json =
        targets.stream()
            .map(target -> "\"" + target + "\"")
            .collect(Collectors.joining(", ", "[{\"targets\": [", "]}]\n"));
    Path temporary = folder.resolve(TARGETS + ".tmp");
    Files.writeString(temporary, json);
    Files.move(
        temporary,
        folder.resolve(TARGETS),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  private void awaitReady() throws Exception {
    HttpRequest ready =
        HttpRequest.newBuilder(url().resolve("/-/ready")).timeout(Duration.ofSeconds(1)).build();
    try (HttpClient http = HttpClient.newHttpClient()) {
      Poll.until(
          "Prometheus ready on " + url() + " (log: " + folder.resolve("prometheus.log") + ")",
          Duration.ofSeconds(60),
          () -> {
            if (!process.isAlive()) {
              throw new IllegalStateException(
                  "Prometheus exited: " + Files.readString(folder.resolve("prometheus.log")));
            }
            try {
              return http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
              return 0;
            }
          },
          code -> code == 200);
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
