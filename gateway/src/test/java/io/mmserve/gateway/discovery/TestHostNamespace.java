package io.mmserve.gateway.discovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace this test makes, joined to this machine's by a veth pair: a test host whose
 * address ({@link #address()}) is not loopback, so EndpointSlices accept it (they refuse
 * 127.0.0.0/8), while every packet sent to it stays between the two ends of the pair on this
 * machine. Services run in it through {@link #launcher()}. Needs root and iproute2's {@code ip};
 * {@link #close} deletes the namespace and with it the pair.
 */
final class TestHostNamespace implements AutoCloseable {
  private final String name;
  private final String hostSide;
  private final String hostAddress;
  private final String address;

  private TestHostNamespace(String name, String hostSide, String hostAddress, String address) {
    this.name = name;
    this.hostSide = hostSide;
    this.hostAddress = hostAddress;
    this.address = address;
  }

  /**
   * Makes the namespace {@code mmserve-it-<pid>} with 10.213.N.2/30 inside and 10.213.N.1 on this
   * machine's end (N from the pid, so two test JVMs do not collide).
   *
   * @throws IllegalStateException with {@code ip}'s message if a step fails
   */
  static TestHostNamespace create() throws IOException, InterruptedException {
    long pid = ProcessHandle.current().pid();
    String name = "mmserve-it-" + pid;
    String hostSide = "mmit" + pid % 1_000_000 + "h";
    String inside = "mmit" + pid % 1_000_000 + "n";
    long subnet = pid % 250;
    String hostAddress = "10.213." + subnet + ".1";
    String address = "10.213." + subnet + ".2";
    TestHostNamespace ns = new TestHostNamespace(name, hostSide, hostAddress, address);
    try {
      ip("netns", "add", name);
      ip("link", "add", hostSide, "type", "veth", "peer", "name", inside);
      ip("link", "set", inside, "netns", name);
      ip("addr", "add", hostAddress + "/30", "dev", hostSide);
      ip("link", "set", hostSide, "up");
      ip("netns", "exec", name, "ip", "addr", "add", address + "/30", "dev", inside);
      ip("netns", "exec", name, "ip", "link", "set", inside, "up");
      ip("netns", "exec", name, "ip", "link", "set", "lo", "up");
    } catch (IOException | RuntimeException e) {
      ns.close();
      throw e;
    }
    return ns;
  }

  /** The test host's address: services in the namespace bind it, pods say it. */
  String address() {
    return address;
  }

  /** The command prefix that runs a program in the namespace. */
  List<String> launcher() {
    return List.of("ip", "netns", "exec", name);
  }

  private static void ip(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(
          String.join(" ", command)
              + " failed (a network namespace needs root and iproute2): "
              + output.strip());
    }
  }

  /** Deletes the namespace (which deletes the pair); processes in it should have stopped. */
  @Override
  public void close() throws IOException, InterruptedException {
    try {
      ip("netns", "del", name);
    } catch (IllegalStateException e) {
      // never made, or already gone
    }
    try {
      ip("link", "del", hostSide);
    } catch (IllegalStateException e) {
      // gone with the namespace
    }
  }

  @Override
  public String toString() {
    return name + " (" + address + ", this machine's end " + hostAddress + ")";
  }
}
