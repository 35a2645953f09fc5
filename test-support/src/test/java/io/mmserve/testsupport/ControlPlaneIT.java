package io.mmserve.testsupport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ControlPlaneIT {
  @Test
  void controlPlane_startsRestartsAndStops() throws IOException {
    Path dir = Path.of("target/control-plane-it");
    URI server;
    try (ControlPlane plane = ControlPlane.start(dir)) {
      server = URI.create(plane.server());
      assertTrue(accepts(server), "kube-apiserver listens on " + server);
      assertTrue(Files.readString(plane.kubeconfig()).contains(plane.server()));
      assertTrue(Files.isExecutable(plane.helm()));

      plane.restartApiServer();

      assertTrue(accepts(server), "kube-apiserver listens again on " + server);
    }
    assertFalse(accepts(server), "kube-apiserver stopped on " + server);
  }

  @Test
  void podAddress_isNotLoopback() throws IOException {
    InetAddress address = InetAddress.getByName(ControlPlane.podAddress());

    assertFalse(address.isLoopbackAddress() || address.isLinkLocalAddress(), address.toString());
  }

  private static boolean accepts(URI server) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(server.getHost(), server.getPort()), 2_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
