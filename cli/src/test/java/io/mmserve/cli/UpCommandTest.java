package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code up} checks before it starts anything. */
class UpCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int up(Path home, String... args) throws InterruptedException {
    return new UpCommand(
            home,
            "java",
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8))
        .run(UpOptions.parse(List.of(args), home));
  }

  private static Path checkout(Path dir) throws IOException {
    for (String module :
        List.of("gateway", "text-encoder-svc", "vision-encoder-svc", "fusion-svc", "gallery-svc")) {
      Path jar = StackPlan.jar(dir, module);
      Files.createDirectories(jar.getParent());
      Files.write(jar, new byte[0]);
    }
    Path pack = dir.resolve(UpOptions.DEFAULT_MODEL_PACK);
    Files.createDirectories(pack);
    Files.writeString(pack.resolve("model.json"), "{}");
    return dir;
  }

  @Test
  void run_missingJar_failsSayingHowToBuild(@TempDir Path dir) throws Exception {
    int code = up(dir);

    assertEquals(UpCommand.FAILED, code);
    String message = err.toString(StandardCharsets.UTF_8);
    assertTrue(message.startsWith("mmserve: missing " + StackPlan.jar(dir, "text-encoder-svc")));
    assertTrue(message.contains("./mvnw -B -DskipTests package"), message);
  }

  @Test
  void run_missingModelPack_failsNamingTheFolder(@TempDir Path dir) throws Exception {
    Path home = checkout(dir);

    int code = up(home, "--model-pack", dir.resolve("nothing").toString());

    assertEquals(UpCommand.FAILED, code);
    assertEquals(
        "mmserve: no model pack at "
            + dir.resolve("nothing")
            + " (model.json not found); name one with --model-pack DIR\n",
        err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void run_portInUse_refusesToStartNamingPortAndService(@TempDir Path dir) throws Exception {
    Path home = checkout(dir);
    int adminBase = freePort();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(StackPlan.HOST))) {
      int base = taken.getLocalPort();

      int code =
          up(
              home,
              "--base-port",
              Integer.toString(base),
              "--admin-base-port",
              Integer.toString(adminBase));

      assertEquals(UpCommand.FAILED, code);
      assertEquals(
          "mmserve: port "
              + base
              + " (gateway gRPC) is already in use on 127.0.0.1. Is another mmserve stack running?"
              + " Stop it, or move this one with --base-port N\n",
          err.toString(StandardCharsets.UTF_8));
      assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void run_observeWithoutTheRulesFile_refusesToStartNamingIt(@TempDir Path dir) throws Exception {
    Path home = checkout(dir);

    int code = up(home, "--observe");

    assertEquals(UpCommand.FAILED, code);
    assertEquals(
        "mmserve: --observe: no alert rules at " + home.resolve(PrometheusConfig.RULES) + "\n",
        err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void run_observeOnATakenPort_refusesToStartNamingTheOption(@TempDir Path dir) throws Exception {
    Path home = checkout(dir);
    Path rules = home.resolve(PrometheusConfig.RULES);
    Files.createDirectories(rules.getParent());
    Files.writeString(rules, "groups: []\n");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(StackPlan.HOST))) {
      int port = taken.getLocalPort();

      int code = up(home, "--observe", "--prometheus-port", Integer.toString(port));

      assertEquals(UpCommand.FAILED, code);
      assertEquals(
          "mmserve: port "
              + port
              + " (Prometheus) is already in use on 127.0.0.1. Is another mmserve stack running?"
              + " Stop it, or move this one with --prometheus-port N\n",
          err.toString(StandardCharsets.UTF_8));
      assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void readyLine_onDefaultPorts_showsPlainCommands() {
    assertEquals(
        "mmserve ready: gateway on 127.0.0.1:50051 - try: ./mmserve embed-text \"a red circle\""
            + "  or  grpcurl -plaintext 127.0.0.1:50051 list\n"
            + "mmserve: HTTP/JSON API on http://127.0.0.1:8080/v1/ (docs/api.md#http),"
            + " gallery page on http://127.0.0.1:8080/gallery/",
        UpCommand.readyLine(UpOptions.parse(List.of(), Path.of("/h"))));
  }

  @Test
  void readyLine_withTls_showsGrpcurlTrustingTheLocalCa() {
    String line = UpCommand.readyLine(UpOptions.parse(List.of("--tls"), Path.of("/h")));
    assertTrue(line.contains("grpcurl -cacert "), line);
    assertTrue(line.contains("ca.crt 127.0.0.1:50051 list"), line);
    assertFalse(line.contains("-plaintext"), line);
    assertTrue(line.contains("HTTP/JSON API on https://127.0.0.1:8080/v1/"), line);
    assertTrue(line.contains("gallery page on https://127.0.0.1:8080/gallery/"), line);
  }

  @Test
  void readyLine_showsTheHttpPortAsked() {
    String line = UpCommand.readyLine(UpOptions.parse(List.of("--http-port=18080"), Path.of("/h")));

    assertTrue(line.contains("gallery page on http://127.0.0.1:18080/gallery/"), line);
  }

  @Test
  void readyLine_onOtherPorts_showsTheTarget() {
    String line = UpCommand.readyLine(UpOptions.parse(List.of("--base-port=51051"), Path.of("/h")));

    assertTrue(line.contains("embed-text \"a red circle\" --target 127.0.0.1:51051"), line);
  }
}
