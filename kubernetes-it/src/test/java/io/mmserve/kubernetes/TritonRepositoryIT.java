package io.mmserve.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kubernetes.Manifest.KubeObject;
import io.mmserve.testsupport.ReferencePack;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Triton pod's init containers, run for real: the generator in text-encoder-svc's jar must
 * accept the arguments the chart renders and write, for each pack, the models the encoders'
 * settings look up ({@code triton.model-prefix} + pack name + {@code -text} / {@code -vision}).
 * Only the pack folder and the output folder are changed to this machine's; the image's java and
 * class path are not (no container runs here).
 */
class TritonRepositoryIT {
  private static final long GENERATOR_SECONDS = 120;

  @Test
  void generatorArguments_writeTheModelsTheEncodersLookUp() throws Exception {
    Helm helm = Helm.offline(Path.of("target/helm-home").toAbsolutePath());
    Manifest manifest =
        helm.template(
            "mmserve",
            "serving",
            Combination.TRITON_GPU.chartValues().set("triton.repository.modelPrefix=prod-"));
    KubeObject pod =
        new KubeObject(manifest.get("Deployment", "mmserve-triton").map("spec", "template"));
    Path out =
        Files.createTempDirectory(
            Files.createDirectories(Path.of("target").toAbsolutePath()), "triton-repository");
    List<Object> initContainers = pod.list("spec", "initContainers");
    assertEquals(1, initContainers.size(), "one generator run per pack");
    for (Object init : initContainers) {
      List<String> args = new ArrayList<>();
      for (Object arg : (List<?>) ((Map<?, ?>) init).get("args")) {
        String a = arg.toString();
        if (a.startsWith("--pack=")) {
          a = "--pack=" + ReferencePack.dir();
        } else if (a.startsWith("--out=")) {
          a = "--out=" + out;
        }
        args.add(a);
      }
      run(args);
    }
    Map<String, String> settings = SettingsFile.of(manifest, "text-encoder").chartOwned();
    String prefix = settings.get("triton.model-prefix");
    assertEquals("prod-", prefix);
    String pack = Path.of(settings.get("model.packs")).getFileName().toString();
    for (String tower : List.of("-text", "-vision")) {
      Path config = out.resolve(prefix + pack + tower).resolve("config.pbtxt");
      assertTrue(Files.isRegularFile(config), config + " was not written");
      assertTrue(
          Files.readString(config).contains("name: \"" + prefix + pack + tower + "\""),
          config + " names another model");
    }
  }

  private static void run(List<String> args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("mmserve.jar.text-encoder-svc"),
            "io.mmserve.triton.repository.GenerateRepository"));
    command.addAll(args);
    Path log = Files.createDirectories(Path.of("target/it-logs")).resolve("triton-repository.log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(process.waitFor(GENERATOR_SECONDS, TimeUnit.SECONDS), "generator still runs");
    assertEquals(
        0, process.exitValue(), () -> String.join(" ", command) + ":\n" + readQuietly(log));
  }

  private static String readQuietly(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      return "(" + e + ")";
    }
  }
}
