package io.mmserve.cli;

import java.util.List;

/**
 * One service of the local stack, ready to be started.
 *
 * @param name the service's name ("text-encoder-svc")
 * @param label the short prefix of its output lines ("text")
 * @param grpcPort its gRPC port on loopback
 * @param adminPort its admin (metrics) port on loopback
 * @param command the whole command line that starts it
 */
record ServiceSpec(String name, String label, int grpcPort, int adminPort, List<String> command) {
  ServiceSpec {
    command = List.copyOf(command);
  }

  /** The gRPC target of the service. */
  String target() {
    return StackPlan.HOST + ":" + grpcPort;
  }
}
