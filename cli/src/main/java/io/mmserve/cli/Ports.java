package io.mmserve.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Whether a loopback port can still be bound. */
final class Ports {
  private Ports() {}

  /**
   * True if nothing listens on {@code host:port}. The probe socket uses SO_REUSEADDR as servers do,
   * so a port held only by connections in TIME_WAIT counts as free.
   */
  static boolean isFree(String host, int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(host, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
