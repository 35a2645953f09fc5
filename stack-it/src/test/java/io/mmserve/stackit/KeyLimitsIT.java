package io.mmserve.stackit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Status;
import io.mmserve.client.MmserveClient;
import io.mmserve.client.MmserveException;
import io.mmserve.testsupport.LocalStackProcess;
import io.mmserve.testsupport.ReferencePack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A keyed stack ({@code ./mmserve up --api-keys FILE}) as real processes: the CLI's client commands
 * take {@code --api-key} or {@code $MMSERVE_API_KEY} and are refused without; a key over its rate
 * limit (set in the keys file) gets RESOURCE_EXHAUSTED with a retry pushback while another key's
 * calls all succeed; the refusals show in the metrics and the request log by key id, never key.
 */
class KeyLimitsIT {
  private static final Metadata.Key<String> PUSHBACK =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);
  private static final Path ROOT = ReferencePack.repoRoot();
  private static final Path WORK = ROOT.resolve("stack-it/target/key-limits-it");

  private static LocalStackProcess stack;
  private static String cliKey;
  private static String noisyKey;
  private static String quietKey;

  @BeforeAll
  static void startStack() throws Exception {
    Files.createDirectories(WORK);
    Path keys = WORK.resolve("api-keys");
    Files.deleteIfExists(keys);
    cliKey = CliKeys.newKey(keys, "cli", "read");
    noisyKey = CliKeys.newKey(keys, "noisy", "read");
    quietKey = CliKeys.newKey(keys, "quiet", "read");
    // the noisy key gets its own limit: one call a second, no burst beyond it
    String lines = Files.readString(keys).replaceFirst("(?m)^(noisy read \\S+)$", "$1 rps=1");
    Files.writeString(keys, lines);
    stack = LocalStackProcess.start(WORK, List.of("--api-keys", keys.toString()), Map.of());
  }

  @AfterAll
  static void stopStack() throws InterruptedException {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void theCli_withTheKey_isServed_andWithoutIsRefused() throws Exception {
    ProcessRun flag = cli(Map.of(), "embed-text", "a red circle", "--api-key", cliKey);
    ProcessRun env =
        cli(Map.of("MMSERVE_API_KEY", cliKey), "search", "--collection", "none", "a red circle");
    ProcessRun none = cli(Map.of(), "embed-text", "a red circle");
    String wrongKey = "mmk_not-a-key-of-this-stack";
    ProcessRun wrong = cli(Map.of(), "embed-text", "a red circle", "--api-key", wrongKey);

    flag.assertSucceeded("embed-text --api-key");
    assertTrue(flag.output().contains("dims="), flag.output());
    // search reached the gateway with the key: the collection does not exist, so NOT_FOUND
    assertFalse(env.output().contains("UNAUTHENTICATED"), env.output());
    assertEquals(1, none.exitCode(), none.output());
    assertTrue(none.output().contains("UNAUTHENTICATED"), none.output());
    assertTrue(wrong.output().contains("UNAUTHENTICATED"), wrong.output());
    assertFalse(wrong.output().contains(wrongKey), wrong.output());
  }

  @Test
  void aKeyOverItsLimit_isRefusedWithPushback_whileAnotherKeyIsServed() throws Exception {
    int refused = 0;
    long pushback = -1;
    try (MmserveClient noisy = client(noisyKey);
        MmserveClient quiet = client(quietKey)) {
      for (int i = 0; i < 20; i++) {
        try {
          noisy.embedTexts(List.of("a red circle"));
        } catch (MmserveException e) {
          assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.status().getCode(), e.getMessage());
          assertTrue(
              e.status().getDescription().startsWith("API key noisy is over its limit of 1 calls"),
              e.status().getDescription());
          pushback = Long.parseLong(Status.trailersFromThrowable(e).get(PUSHBACK));
          refused++;
        }
        assertEquals(1, quiet.embedTexts(List.of("a red circle")).length);
      }
    }

    assertTrue(refused > 0, "the noisy key was never refused");
    assertTrue(pushback >= 1 && pushback <= 1000, "pushback " + pushback);
    String metrics = get(stack.metricsUrl("gateway"));
    assertTrue(
        metrics.contains(
            "mmserve_gateway_key_limited_total{key=\"noisy\",limit=\"requests\"} "
                + refused
                + ".0"),
        metrics);
    assertFalse(metrics.contains("key=\"quiet\",limit="), metrics);
    String output = stack.output();
    assertTrue(output.contains("EmbedText key=noisy RESOURCE_EXHAUSTED"), output);
    for (String shown : List.of(metrics, output)) {
      for (String key : List.of(cliKey, noisyKey, quietKey)) {
        assertFalse(shown.contains(key), "a key was shown");
      }
    }
  }

  private static MmserveClient client(String key) {
    return MmserveClient.connect(stack.gatewayTarget())
        .withHeader("authorization", "Bearer " + key);
  }

  private static ProcessRun cli(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-jar",
                ROOT.resolve("cli/target/cli.jar").toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("--target", stack.gatewayTarget()));
    Map<String, String> environment = new java.util.HashMap<>(env);
    environment.putIfAbsent("MMSERVE_API_KEY", "");
    return ProcessRun.of(command, ROOT, environment, WORK.resolve("cli.log"), 2);
  }

  private static String get(String url) throws Exception {
    try (var client = java.net.http.HttpClient.newHttpClient()) {
      return client
          .send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).GET().build(),
              java.net.http.HttpResponse.BodyHandlers.ofString())
          .body();
    }
  }
}
