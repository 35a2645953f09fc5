package io.mmserve.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.mmserve.fusion.v1.FusionGrpc;
import io.mmserve.fusion.v1.MatchResponse;
import io.mmserve.inference.npy.Npy;
import io.mmserve.kit.client.GrpcChannels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Starts the real service jar as its own process on free ports, calls it over a real channel, and
 * stops it with SIGTERM.
 */
class FusionServerIT {
  private static final Pattern READY =
      Pattern.compile(Main.SERVICE + " serving on ([0-9.]+):(\\d+)");
  private static final long START_TIMEOUT_SECONDS = 120;
  private static final long CALL_TIMEOUT_SECONDS = 60;
  private static final long GRACE_SECONDS = 5;
  private static final String END_OF_OUTPUT = "\u0000end";

  private final BlockingQueue<String> output = new LinkedBlockingQueue<>();
  private final StringBuffer log = new StringBuffer();
  private Process process;
  private ManagedChannel channel;

  @AfterEach
  void tearDown() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void server_servesMatchOverNettyAndExitsCleanlyOnSigterm() throws Exception {
    Path target = Path.of("target").toAbsolutePath();
    Path jar = Path.of(System.getProperty("mmserve.service.jar", "target/fusion-svc.jar"));
    assertTrue(Files.isRegularFile(jar), jar + " is missing: run mvn verify (shade runs first)");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + target.resolve("tmp"),
                "-jar",
                jar.toString(),
                "--grpc.port=0",
                "--admin.port=0",
                "--shutdown.grace=" + GRACE_SECONDS + "s",
                "--match.threads=2",
                "--model.packs=" + ReferencePack.dir())
            .redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("MMSERVE_"));
    process = builder.start();
    readOutput(process);

    int port = awaitReadyPort();
    channel = GrpcChannels.plaintext("127.0.0.1:" + port, 16 << 20);
    awaitServing();

    int image = 3;
    MatchResponse response =
        FusionGrpc.newBlockingStub(channel)
            .withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .match(FusionServiceTest.matchImageAgainstCaptions(image).build());
    Npy.Array golden = ReferencePack.array("match_probability");
    int captions = (int) golden.shape()[1];
    float[] expected =
        Arrays.copyOfRange(golden.floats(), image * captions, (image + 1) * captions);
    float[] actual = FusionServiceTest.values(response.getProbabilities());
    assertEquals(captions, actual.length);
    for (int c = 0; c < captions; c++) {
      assertEquals(expected[c], actual[c], 1e-4, "match probability of caption " + c);
    }

    process.destroy(); // SIGTERM
    assertTrue(
        process.waitFor(GRACE_SECONDS + 30, TimeUnit.SECONDS),
        "still running after SIGTERM:\n" + log);
    assertEquals(0, process.exitValue(), "exit status after SIGTERM; output:\n" + log);
  }

  private void readOutput(Process p) {
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  log.append(line).append('\n');
                  output.add(line);
                }
              } catch (IOException e) {
                log.append("(output unreadable: ").append(e).append(")\n");
              } finally {
                output.add(END_OF_OUTPUT);
              }
            },
            "fusion-svc-output");
    reader.setDaemon(true);
    reader.start();
  }

  private int awaitReadyPort() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
    while (true) {
      String line = output.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (line == null || line.equals(END_OF_OUTPUT)) {
        fail("the service did not report ready; output:\n" + log);
      }
      Matcher m = READY.matcher(line);
      if (m.find()) {
        return Integer.parseInt(m.group(2));
      }
    }
  }

  /** Watches health until SERVING, then cancels the watch so it does not hold up shutdown. */
  private void awaitServing() throws Exception {
    Context.CancellableContext watch = Context.current().withCancellation();
    try {
      boolean serving =
          watch.call(
              () -> {
                Iterator<HealthCheckResponse> statuses =
                    HealthGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                        .watch(HealthCheckRequest.getDefaultInstance());
                while (statuses.hasNext()) {
                  if (statuses.next().getStatus() == ServingStatus.SERVING) {
                    return true;
                  }
                }
                return false;
              });
      assertTrue(serving, "health never reported SERVING; output:\n" + log);
    } finally {
      watch.cancel(null);
    }
  }
}
