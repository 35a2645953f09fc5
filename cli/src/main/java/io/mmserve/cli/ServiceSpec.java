package io.mmserve.cli;

import java.util.List;

/**
 * One service of the local stack, ready to be started.
 *
 * @param name the service's name, unique in the stack: the module's name ("text-encoder-svc"), with
 *     {@code #r} appended when the module runs several replicas ("text-encoder-svc#2")
 * @param label the short prefix of its output lines ("text", "text#2")
 * @param grpcPort its gRPC port on loopback
 * @param adminPort its admin (metrics) port on loopback
 * @param command the whole command line that starts it
 */
record ServiceSpec(String name, String label, int grpcPort, int adminPort, List<String> command) {
  /** Separates a module's name from the replica number in a service's name. */
  static final char REPLICA_SEPARATOR = '#';

  ServiceSpec {
    command = List.copyOf(command);
  }

  /** The module the service runs: its name without the replica number. */
  String module() {
    int separator = name.indexOf(REPLICA_SEPARATOR);
    return separator < 0 ? name : name.substring(0, separator);
  }

  /** The gRPC target of the service. */
  String target() {
    return StackPlan.HOST + ":" + grpcPort;
  }

  /** The admin (metrics) address of the service. */
  String adminTarget() {
    return StackPlan.HOST + ":" + adminPort;
  }
}
