package io.mmserve.gateway.discovery;

import com.google.common.net.InetAddresses;
import java.net.InetSocketAddress;

/**
 * One ready endpoint of a Service: an IP address and a port. Two endpoints with the same address
 * and different ports are different replicas (several processes of one pod, or of one host in
 * tests).
 *
 * @param ip an IPv4 or IPv6 literal, as an EndpointSlice lists it (kept in its canonical form)
 * @param port 1..65535
 */
public record Endpoint(String ip, int port) implements Comparable<Endpoint> {
  /**
   * @throws IllegalArgumentException if {@code ip} is no IP literal or the port is out of range
   */
  public Endpoint {
    if (!InetAddresses.isInetAddress(ip)) {
      throw new IllegalArgumentException("'" + ip + "' is no IP address");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not in 1..65535");
    }
    ip = InetAddresses.toAddrString(InetAddresses.forString(ip)); // one spelling per address
  }

  /** {@code 10.0.0.7:50052}, {@code [fd00::7]:50052}: the endpoint's name in metrics and logs. */
  public String name() {
    return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port;
  }

  /** The socket address, without any DNS lookup. */
  public InetSocketAddress socketAddress() {
    return new InetSocketAddress(InetAddresses.forString(ip), port);
  }

  @Override
  public int compareTo(Endpoint other) {
    return name().compareTo(other.name());
  }
}
