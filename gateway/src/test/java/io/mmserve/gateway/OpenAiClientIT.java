package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Status;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Python client ({@code openai}, pinned in {@value #REQUIREMENTS}) calls the
 * gateway's {@code POST /v1/embeddings} unchanged: {@code client.embeddings.create(...)} with its
 * default base64 encoding, floats, an image data URL, and its error classes for 400 and 404. The
 * client runs in a venv under {@code target/}, made once with python3 and pip.
 */
class OpenAiClientIT {
  private static final String REQUIREMENTS = "src/test/python/requirements-openai.txt";
  private static final Path SCRIPT = Path.of("src/test/python/openai_client_check.py");
  private static final Path VENV = Path.of("target/openai-venv");
  private static final long PROCESS_BOUND_SECONDS = 600;

  private InProcessGateway stack;
  private URI base;

  @BeforeAll
  static void makeVenv() throws Exception {
    Path python = VENV.resolve("bin/python");
    if (!Files.isExecutable(python)) {
      run(List.of("python3", "-m", "venv", VENV.toString()));
    }
    run(List.of(python.toString(), "-m", "pip", "install", "-q", "-r", REQUIREMENTS));
  }

  @BeforeEach
  void start() throws IOException {
    stack = new InProcessGateway(new RequestLimits(8, 4, 8, 8, 8, 8), 100);
    stack.textEncoder.vectors.put("a red circle", new float[] {3, 4, 0, 0});
    stack.visionEncoder.vectors.put("img", new float[] {0, 0, 1, 0});
    base = stack.startHttp(1 << 20);
  }

  @AfterEach
  void stop() {
    stack.close();
  }

  @Test
  void officialClient_embedsTextsAndImagesAndRaisesItsErrors() throws Exception {
    assertEquals("ok", check("ok"));
  }

  @Test
  void officialClient_raisesNotFoundForAnUnknownModel() throws Exception {
    stack.textEncoder.failWith =
        Status.INVALID_ARGUMENT.withDescription(
            "unknown model 'text-embedding-3-small'; this server serves fake-clip@0.0.7");

    assertEquals("ok", check("unknown-model"));
  }

  private String check(String mode) throws Exception {
    String output =
        run(
            List.of(
                VENV.resolve("bin/python").toString(),
                SCRIPT.toString(),
                base.resolve("/v1").toString(),
                mode));
    List<String> lines = output.lines().toList();
    return lines.isEmpty() ? "" : lines.getLast();
  }

  /** Runs a command to its end (bounded); its output, or an assertion failure showing it. */
  private static String run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(PROCESS_BOUND_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(command + " did not end: " + output);
    }
    assertEquals(0, process.exitValue(), command + " failed:\n" + output);
    return output;
  }
}
