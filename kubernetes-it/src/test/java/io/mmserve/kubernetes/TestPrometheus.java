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
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Prometheus ({@code /usr/bin/prometheus}, installed by .ci/system-packages.sh) on a free
 * loopback port, scraping one target every {@link #SCRAPE_INTERVAL}; configuration, data and log in
 * a folder the caller names. {@link #close} stops it.
 */
final class TestPrometheus implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/prometheus");
  static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);

  private final Process process;
  private final Path folder;
  private final int port;

  private TestPrometheus(Process process, Path folder, int port) {
    this.process = process;
    this.folder = folder;
    this.port = port;
  }

  /**
   * Starts it scraping {@code target} ({@code host:port}) as job {@code gateway}; waits for ready.
   */
  static TestPrometheus start(Path folder, String target) throws Exception {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(
          "no " + BINARY + ": install Debian's prometheus package (.ci/system-packages.sh does)");
    }
    Files.createDirectories(folder);
    Path config = folder.resolve("prometheus.yml");
    Files.writeString(
        config,
        "global:\n  scrape_interval: "
            + SCRAPE_INTERVAL.toSeconds()
            + "s\nscrape_configs:\n  - job_name: gateway\n    static_configs:\n      - targets: [\""
            + target
            + "\"]\n");
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
    TestPrometheus prometheus = new TestPrometheus(process, folder, port);
    prometheus.awaitReady();
    return prometheus;
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + port);
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
