package io.mmserve.kubernetes;

import io.mmserve.testsupport.ControlPlane;
import io.mmserve.testsupport.ReferencePack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The helm binary (v4, built beside the control plane), run as a process on the chart {@link
 * #chartDir()}. Helm's own config, cache and data folders are under {@code home}, never the user's.
 * With a kubeconfig it talks to that cluster; without one only {@code template} and {@code lint}
 * work. Calls block the calling thread until helm exits (at most {@link #TIMEOUT_SECONDS}).
 */
final class Helm {
  static final long TIMEOUT_SECONDS = 300;

  /** A system property naming a helm binary for the tests that need no cluster. */
  static final String HELM_PROPERTY = "mmserve.helm";

  /** What one helm run printed and its exit status. */
  record Result(List<String> command, int exitCode, String stdout, String stderr) {
    boolean succeeded() {
      return exitCode == 0;
    }

    /** Everything helm printed: standard output, then standard error. */
    String output() {
      return stdout + stderr;
    }

    /** The standard output, or an AssertionError with the command and its output if it failed. */
    String orThrow() {
      if (!succeeded()) {
        throw new AssertionError(
            String.join(" ", command) + " exited " + exitCode + ":\n" + output());
      }
      return stdout;
    }
  }

  private final Path binary;
  private final Path home;
  private final Path kubeconfig;

  private Helm(Path binary, Path home, Path kubeconfig) {
    this.binary = binary;
    this.home = home;
    this.kubeconfig = kubeconfig;
  }

  /** Helm against the control plane, with its state under {@code home}. */
  static Helm forCluster(ControlPlane cluster, Path home) {
    return new Helm(cluster.helm(), home, cluster.kubeconfig());
  }

  /**
   * Helm for {@code template} and {@code lint} only: the binary the system property {@value
   * #HELM_PROPERTY} names, else the one in the folder {@code k8s/control-plane.sh binaries} names
   * (built by {@code k8s/control-plane.sh build}).
   *
   * @throws IllegalStateException naming the build command when helm is not built
   */
  static Helm offline(Path home) {
    String configured = System.getProperty(HELM_PROPERTY);
    if (configured != null) {
      return new Helm(Path.of(configured), home, null);
    }
    Path script = ReferencePack.repoRoot().resolve("k8s/control-plane.sh");
    Result folder = exec(List.of(script.toString(), "binaries"), Map.of());
    Path helm = Path.of(folder.stdout().strip()).resolve("helm");
    if (!folder.succeeded() || !Files.isExecutable(helm)) {
      throw new IllegalStateException(
          "helm is not built (" + folder.output().strip() + "): run " + script + " build");
    }
    return new Helm(helm, home, null);
  }

  /** The chart under test: {@code helm/mmserve} of this checkout. */
  static Path chartDir() {
    String configured = System.getProperty("mmserve.chart.dir");
    return configured != null
        ? Path.of(configured).toAbsolutePath().normalize()
        : ReferencePack.repoRoot().resolve("helm/mmserve");
  }

  /** {@code helm template} of the chart as release {@code release} in {@code namespace}. */
  Manifest template(String release, String namespace, Values values) {
    List<String> args = new ArrayList<>(List.of("template", release, chartDir().toString()));
    args.addAll(List.of("--namespace", namespace));
    args.addAll(values.helmArgs());
    values.apiVersions().forEach(v -> args.addAll(List.of("--api-versions", v)));
    return Manifest.parse(run(args).orThrow());
  }

  /** {@code helm lint --strict} with these values. */
  Result lint(Values values) {
    List<String> args = new ArrayList<>(List.of("lint", "--strict", chartDir().toString()));
    args.addAll(values.helmArgs());
    return run(args);
  }

  /** A real {@code helm install} (no --dry-run, no --wait) into {@code namespace}, created. */
  Result install(String release, String namespace, Values values) {
    List<String> args = new ArrayList<>(List.of("install", release, chartDir().toString()));
    args.addAll(List.of("--namespace", namespace, "--create-namespace"));
    args.addAll(values.helmArgs());
    return run(args);
  }

  /** {@code helm get manifest}: what the release installed. */
  Manifest installedManifest(String release, String namespace) {
    return Manifest.parse(
        run(List.of("get", "manifest", release, "--namespace", namespace)).orThrow());
  }

  /** {@code helm uninstall}; returns once helm has asked for every object to be deleted. */
  Result uninstall(String release, String namespace) {
    return run(List.of("uninstall", release, "--namespace", namespace));
  }

  /** The releases helm knows in {@code namespace}, whatever their state. */
  List<String> releases(String namespace) {
    return run(List.of(
            "list",
            "--deployed",
            "--failed",
            "--pending",
            "--superseded",
            "--uninstalling",
            "--short",
            "--namespace",
            namespace))
        .orThrow()
        .lines()
        .filter(l -> !l.isBlank())
        .toList();
  }

  Result run(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(args);
    if (kubeconfig != null) {
      command.addAll(List.of("--kubeconfig", kubeconfig.toString()));
    }
    return exec(
        command,
        Map.of(
            "HELM_CONFIG_HOME", home.resolve("config").toString(),
            "HELM_CACHE_HOME", home.resolve("cache").toString(),
            "HELM_DATA_HOME", home.resolve("data").toString()));
  }

  private static Result exec(List<String> command, Map<String, String> env) {
    try {
      Path output = Files.createTempFile("helm", ".out");
      Path errors = Files.createTempFile("helm", ".err");
      try {
        ProcessBuilder builder =
            new ProcessBuilder(command)
                .redirectOutput(output.toFile())
                .redirectError(errors.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder
            .environment()
            .keySet()
            .removeIf(k -> k.startsWith("HELM_") || k.equals("KUBECONFIG"));
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        return new Result(
            command,
            process.exitValue(),
            Files.readString(output, StandardCharsets.UTF_8),
            Files.readString(errors, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(output);
        Files.deleteIfExists(errors);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
    }
  }
}
