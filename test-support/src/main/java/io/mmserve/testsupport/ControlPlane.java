package io.mmserve.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Kubernetes control plane on loopback (etcd, kube-apiserver and kube-controller-manager,
 * v1.37.2) for integration tests, started and stopped through {@code k8s/control-plane.sh}. There
 * is no kubelet and no scheduler: Pods stay Pending unless the test binds them and sets their
 * status itself.
 *
 * <p>EndpointSlices refuse loopback addresses (127.0.0.0/8, ::1), so a Pod made Ready by a test
 * cannot say 127.0.0.1: give it {@link #podAddress()}, this machine's own non-loopback address, and
 * start the service behind it bound there ({@code grpc.host}).
 *
 * <p>The binaries are built by {@code k8s/control-plane.sh build} (which {@code ./mmserve test}
 * runs before Maven); when they are missing, {@link #start} throws instead of building them inside
 * a test. The caller closes the instance, which stops every process; the state stays in the folder.
 */
public final class ControlPlane implements AutoCloseable {
  private static final long SCRIPT_TIMEOUT_SECONDS = 300;

  private final Path dir;
  private final Path bin;
  private final Path kubeconfig;

  private ControlPlane(Path dir, Path bin, Path kubeconfig) {
    this.dir = dir;
    this.bin = bin;
    this.kubeconfig = kubeconfig;
  }

  /**
   * Starts a control plane with its state (certificates, etcd data, logs) in {@code dir} and waits
   * until the API server is ready and the controller-manager works.
   *
   * @throws IllegalStateException when the binaries are not built, or a component does not start
   *     (the message has the end of its log)
   */
  public static ControlPlane start(Path dir) {
    Path bin = binaries();
    Path absolute = dir.toAbsolutePath();
    String kubeconfig = run("up", absolute.toString()).strip();
    return new ControlPlane(absolute, bin, Path.of(kubeconfig));
  }

  /** The folder with the built binaries, or an exception saying how to build them. */
  private static Path binaries() {
    Path script = script();
    String key = run("binaries").strip();
    Path bin = Path.of(key);
    if (!Files.isExecutable(bin.resolve("mmserve-control-plane"))
        || !Files.isExecutable(bin.resolve("helm"))) {
      throw new IllegalStateException(
          "the Kubernetes control plane is not built (no "
              + bin
              + "): run "
              + script
              + " build (./mmserve test does)");
    }
    return bin;
  }

  /** A cluster-admin kubeconfig (client certificate) for this control plane. */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /**
   * Writes a kubeconfig for this API server that authenticates with a bearer {@code token} (for
   * example a service account's, from the TokenRequest API) as user {@code name}, into {@code
   * dir/name.kubeconfig}; returns its path. What a pod's in-cluster config would hold.
   */
  public Path tokenKubeconfig(Path dir, String name, String token) {
    String config =
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: mmserve-test",
            "  cluster:",
            "    server: " + server(),
            "    certificate-authority: " + dir().resolve("pki/ca.crt"),
            "users:",
            "- name: " + name,
            "  user:",
            "    token: " + token,
            "contexts:",
            "- name: " + name,
            "  context:",
            "    cluster: mmserve-test",
            "    user: " + name,
            "current-context: " + name,
            "");
    Path file = dir.resolve(name + ".kubeconfig");
    try {
      Files.writeString(file, config, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return file;
  }

  /** The API server's URL, {@code https://127.0.0.1:port}. */
  public String server() {
    try {
      return "https://127.0.0.1:" + Files.readString(dir.resolve("apiserver.port")).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * This machine's first non-loopback, non-link-local IPv4 address, the address a test gives the
   * Pods it makes Ready (EndpointSlices refuse loopback addresses). Traffic to it stays on this
   * machine.
   *
   * @throws IllegalStateException when the machine has no such address
   */
  public static String podAddress() {
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address
              && !address.isLoopbackAddress()
              && !address.isLinkLocalAddress()) {
            return address.getHostAddress();
          }
        }
      }
    } catch (SocketException e) {
      throw new IllegalStateException("cannot list this machine's network interfaces", e);
    }
    throw new IllegalStateException(
        "this machine has no non-loopback IPv4 address, and EndpointSlices refuse loopback ones");
  }

  /** The helm binary (v4) built beside the control plane. */
  public Path helm() {
    return bin.resolve("helm");
  }

  /** The folder holding this control plane's state and logs. */
  public Path dir() {
    return dir;
  }

  /**
   * Stops kube-apiserver and starts it again on the same port with the same etcd data; returns when
   * it is ready again. Clients see connection errors while it is down.
   */
  public void restartApiServer() {
    run("restart-apiserver", dir.toString());
  }

  /** Stops etcd, kube-apiserver and kube-controller-manager. */
  @Override
  public void close() {
    run("down", dir.toString());
  }

  private static Path script() {
    return ReferencePack.repoRoot().resolve("k8s/control-plane.sh");
  }

  /** Runs the script with {@code args}; returns its standard output; throws with its errors. */
  private static String run(String... args) {
    List<String> command = new ArrayList<>();
    command.add(script().toString());
    command.addAll(List.of(args));
    try {
      Path errors = Files.createTempFile("control-plane", ".err");
      try {
        Process process =
            new ProcessBuilder(command)
                .redirectError(errors.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException(String.join(" ", command) + " did not finish");
        }
        if (process.exitValue() != 0) {
          throw new IllegalStateException(
              String.join(" ", command)
                  + " exited "
                  + process.exitValue()
                  + ":\n"
                  + Files.readString(errors, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
      } finally {
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
