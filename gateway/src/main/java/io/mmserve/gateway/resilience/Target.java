package io.mmserve.gateway.resilience;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Where a backend's replicas are: a fixed list {@code host:port,host:port} or a DNS name {@code
 * dns:///name:port} whose addresses are the replicas (a Kubernetes headless service).
 */
public record Target(List<String> addresses, String dnsHost, int dnsPort) {
  private static final String DNS = "dns:///";

  /**
   * Parses a target setting.
   *
   * @throws IllegalArgumentException naming the part that is not {@code host:port}
   */
  public static Target parse(String target) {
    String trimmed = target.trim();
    if (trimmed.startsWith(DNS)) {
      String[] hostPort = hostPort(trimmed.substring(DNS.length()), target);
      return new Target(List.of(), hostPort[0], Integer.parseInt(hostPort[1]));
    }
    LinkedHashSet<String> addresses = new LinkedHashSet<>();
    for (String part : trimmed.split(",")) {
      String[] hostPort = hostPort(part.trim(), target);
      addresses.add(hostPort[0] + ":" + hostPort[1]);
    }
    return new Target(List.copyOf(addresses), null, 0);
  }

  boolean isDns() {
    return dnsHost != null;
  }

  /** The replica addresses now: the list, or the name's current addresses. */
  List<String> resolve() throws UnknownHostException {
    if (!isDns()) {
      return addresses;
    }
    List<String> resolved = new ArrayList<>();
    Arrays.stream(InetAddress.getAllByName(dnsHost))
        .map(InetAddress::getHostAddress)
        .distinct()
        .sorted()
        .forEach(ip -> resolved.add((ip.contains(":") ? "[" + ip + "]" : ip) + ":" + dnsPort));
    return resolved;
  }

  private static String[] hostPort(String part, String target) {
    int colon = part.lastIndexOf(':');
    if (part.isEmpty()
        || colon <= 0
        || colon == part.length() - 1
        || part.chars().anyMatch(c -> c == ',' || Character.isWhitespace(c))) {
      throw new IllegalArgumentException(
          "'" + part + "' in target '" + target + "' is not host:port");
    }
    String port = part.substring(colon + 1);
    try {
      int value = Integer.parseInt(port);
      if (value < 1 || value > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + part + "' in target '" + target + "' has no valid port (1..65535)");
    }
    return new String[] {part.substring(0, colon), port};
  }
}
