package io.mmserve.kit.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Where a service's replicas are, as a setting names them, and the gRPC target URI a channel
 * resolves through {@link NameResolvers}:
 *
 * <ul>
 *   <li>{@code host:port} or a fixed list {@code host:port,host:port}: the {@value
 *       AddressListNameResolverProvider#SCHEME} resolver;
 *   <li>{@code dns:///name:port}: the name's addresses are the replicas (a Kubernetes headless
 *       service), resolved again every refresh interval;
 *   <li>{@code scheme:///...} of any other resolver registered in {@link NameResolvers}, passed as
 *       it is.
 * </ul>
 *
 * @param uri the target a channel builder takes
 */
public record Target(String uri) {
  private static final String DNS = "dns:///";
  private static final String SCHEME_SEPARATOR = ":///";

  /**
   * Parses a target setting.
   *
   * @throws IllegalArgumentException naming the part that is not {@code host:port}
   */
  public static Target parse(String target) {
    String trimmed = target.trim();
    if (trimmed.startsWith(DNS)) {
      hostPort(trimmed.substring(DNS.length()), target);
      return new Target(trimmed);
    }
    int scheme = trimmed.indexOf(SCHEME_SEPARATOR);
    if (scheme > 0 && trimmed.substring(0, scheme).matches("[a-z][a-z0-9+.-]*")) {
      return new Target(trimmed);
    }
    return new Target(AddressListNameResolverProvider.uri(addresses(trimmed, target)));
  }

  /** The {@code host:port} parts of a fixed list, without duplicates, in order. */
  static List<String> addresses(String list, String target) {
    LinkedHashSet<String> addresses = new LinkedHashSet<>();
    for (String part : list.split(",", -1)) {
      String[] hostPort = hostPort(part.trim(), target);
      addresses.add(hostPort[0] + ":" + hostPort[1]);
    }
    return new ArrayList<>(addresses);
  }

  /**
   * The host and port of {@code host:port} ({@code [v6]:port} for IPv6).
   *
   * @throws IllegalArgumentException naming {@code part} and {@code target}
   */
  static String[] hostPort(String part, String target) {
    int colon = part.lastIndexOf(':');
    if (part.isEmpty()
        || colon <= 0
        || colon == part.length() - 1
        || part.chars().anyMatch(c -> c == ',' || c == '/' || Character.isWhitespace(c))) {
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

  /** The scheme of the target URI: "static", "dns", ... */
  public String scheme() {
    try {
      return new URI(uri).getScheme();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(uri, e);
    }
  }
}
