package io.mmserve.stackit;

import io.mmserve.testsupport.ReferencePack;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenTelemetry Collector (observability/otelcol: the OTLP receiver and the contrib file
 * exporter) on a free loopback port, writing every span it receives as OTLP JSON lines to a file.
 * The binary comes from {@code observability/otelcol/build.sh}, which {@code ./mmserve test} runs
 * before Maven (a cold build here takes minutes). {@link #close()} stops the process.
 */
final class OtelCollector implements AutoCloseable {
  private static final Duration READY = Duration.ofMinutes(1);
  private static final String READY_LINE = "Everything is ready";

  private final Process process;
  private final int port;
  private final Path spans;
  private final Path log;

  private OtelCollector(Process process, int port, Path spans, Path log) {
    this.process = process;
    this.port = port;
    this.spans = spans;
    this.log = log;
  }

  /** Builds (or finds) the collector, starts it with its files in {@code dir}, waits for it. */
  static OtelCollector start(Path dir) throws IOException, InterruptedException {
    Path binary = binary();
    int port = freePort();
    Path spans = dir.resolve("spans.jsonl");
    Path log = dir.resolve("otelcol.log");
    Path config = dir.resolve("otelcol.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "receivers:",
            "  otlp:",
            "    protocols:",
            "      http:",
            "        endpoint: 127.0.0.1:" + port,
            "exporters:",
            "  file:",
            "    path: " + spans,
            "    flush_interval: 100ms",
            "service:",
            "  telemetry:",
            "    metrics:",
            "      level: none",
            "  pipelines:",
            "    traces:",
            "      receivers: [otlp]",
            "      exporters: [file]",
            ""));
    Process process =
        new ProcessBuilder(binary.toString(), "--config=" + config)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    OtelCollector collector = new OtelCollector(process, port, spans, log);
    long deadline = System.nanoTime() + READY.toNanos();
    while (!Files.readString(log).contains(READY_LINE)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        collector.close();
        throw new IllegalStateException("the collector did not start:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
    return collector;
  }

  /** The OTLP/HTTP endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** The exported spans so far: one JSON object (OTLP {@code resourceSpans}) per line. */
  List<String> lines() throws IOException {
    if (!Files.isRegularFile(spans)) {
      return List.of();
    }
    // the exporter may be writing a line as we read: only newline-terminated lines are whole
    String text = Files.readString(spans);
    int end = text.lastIndexOf('\n');
    return end < 0 ? List.of() : text.substring(0, end).lines().toList();
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  private static Path binary() throws IOException, InterruptedException {
    Path script = ReferencePack.repoRoot().resolve("observability/otelcol/build.sh");
    Process build = new ProcessBuilder(script.toString()).redirectErrorStream(false).start();
    build.getErrorStream().transferTo(System.err);
    String out;
    try (InputStream in = build.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
    if (build.waitFor() != 0 || out.isEmpty()) {
      throw new IllegalStateException(script + " failed (exit " + build.exitValue() + ")");
    }
    return Path.of(out);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
