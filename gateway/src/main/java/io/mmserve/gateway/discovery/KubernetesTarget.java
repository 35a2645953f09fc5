package io.mmserve.gateway.discovery;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * A {@code kubernetes:///service.namespace:port} target: the ready endpoints of a Service, as its
 * EndpointSlices list them. {@code port} is either a number, the endpoints' own port (the Service's
 * {@code targetPort}, which is what a slice lists), or the name of a port of the Service (a slice
 * lists its ports by the Service's port names), so {@code kubernetes:///text-encoder.mmserve:grpc}
 * follows a {@code targetPort} that changes between pod versions.
 *
 * @param service the Service's name
 * @param namespace its namespace
 * @param port the endpoint port number or the Service's port name
 */
public record KubernetesTarget(String service, String namespace, String port) {
  /** The URI scheme of these targets. */
  public static final String SCHEME = "kubernetes";

  /** A DNS-1123 label: how Kubernetes names Services, namespaces and ports. */
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private static final Pattern NUMBER = Pattern.compile("[0-9]{1,5}");

  /**
   * Parses a target setting or URI.
   *
   * @throws IllegalArgumentException naming the target and what is wrong with it
   */
  public static KubernetesTarget parse(String target) {
    URI uri;
    try {
      uri = new URI(target.trim());
    } catch (URISyntaxException e) {
      throw invalid(target, "it is not a URI");
    }
    return parse(uri);
  }

  /**
   * Parses {@code kubernetes:///service.namespace:port}.
   *
   * @throws IllegalArgumentException naming the target and what is wrong with it
   */
  public static KubernetesTarget parse(URI uri) {
    String target = uri.toString();
    String path = uri.getPath();
    if (!SCHEME.equals(uri.getScheme())
        || (uri.getAuthority() != null && !uri.getAuthority().isEmpty())
        || path == null
        || !path.startsWith("/")
        || uri.getQuery() != null
        || uri.getFragment() != null) {
      throw invalid(target, "it is not " + SCHEME + ":///service.namespace:port");
    }
    String rest = path.substring(1);
    int colon = rest.lastIndexOf(':');
    if (colon < 0) {
      throw invalid(target, "it has no port (a number or the Service's port name)");
    }
    String name = rest.substring(0, colon);
    String port = rest.substring(colon + 1);
    int dot = name.indexOf('.');
    if (dot < 0) {
      throw invalid(target, "it has no namespace (service.namespace)");
    }
    String service = name.substring(0, dot);
    String namespace = name.substring(dot + 1);
    if (!LABEL.matcher(service).matches()) {
      throw invalid(target, "'" + service + "' is no Service name (a DNS-1123 label)");
    }
    if (!LABEL.matcher(namespace).matches()) {
      throw invalid(target, "'" + namespace + "' is no namespace name (a DNS-1123 label)");
    }
    if (NUMBER.matcher(port).matches()) {
      int number = Integer.parseInt(port);
      if (number < 1 || number > 65535) {
        throw invalid(target, "port " + port + " is not in 1..65535");
      }
    } else if (!LABEL.matcher(port).matches() || port.length() > 15) {
      throw invalid(target, "'" + port + "' is neither a port number nor a port name");
    }
    return new KubernetesTarget(service, namespace, port);
  }

  private static IllegalArgumentException invalid(String target, String why) {
    return new IllegalArgumentException("'" + target + "' is not a valid target: " + why);
  }

  /** The port number, or -1 if the target names the port. */
  public int portNumber() {
    return NUMBER.matcher(port).matches() ? Integer.parseInt(port) : -1;
  }

  /** The target as a setting writes it. */
  public String uri() {
    return SCHEME + ":///" + service + "." + namespace + ":" + port;
  }

  /** What the channel sends as {@code :authority}: the Service's cluster-local name. */
  public String authority() {
    String host = service + "." + namespace + ".svc";
    return portNumber() > 0 ? host + ":" + port : host;
  }
}
