package io.mmserve.kit.server;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Closes a service's resources when the JVM is asked to stop (SIGINT, SIGTERM). Resources close in
 * the order given, for example the gRPC server (graceful stop), then the admin server, then the
 * model backends; a failure is logged and the next resource still closes.
 */
public final class ShutdownHook {
  private static final Logger log = LoggerFactory.getLogger(ShutdownHook.class);

  private ShutdownHook() {}

  /** Registers a JVM shutdown hook closing {@code resources} in order; returns its thread. */
  public static Thread install(String serviceName, AutoCloseable... resources) {
    List<AutoCloseable> inOrder = List.of(resources);
    Thread hook =
        new Thread(
            () -> {
              log.info("{} stopping", serviceName);
              closeAll(inOrder);
              log.info("{} stopped", serviceName);
            },
            serviceName + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  /**
   * A stop request is the normal end of a server, so SIGTERM and SIGINT exit with status 0 (the
   * JVM's default is 128 + signal) after the shutdown hooks have stopped everything. Where the JVM
   * does not let a signal be handled, its default applies.
   */
  public static void exitNormallyOnStopSignals() {
    for (String name : List.of("TERM", "INT")) {
      try {
        Signal.handle(new Signal(name), signal -> System.exit(0));
      } catch (IllegalArgumentException e) {
        log.debug("cannot handle SIG{}; the JVM's default applies", name, e);
      }
    }
  }

  /**
   * Until the service is built, SIGTERM and SIGINT halt the JVM at once with status 0 instead of
   * running its shutdown. Nothing listens yet, so nothing needs draining; and an orderly exit while
   * the main thread is inside a native model load (ONNX Runtime creating a session) runs the native
   * library's exit handlers under it, which crashes the process with SIGSEGV and an hs_err file.
   * What start-up had opened is left as {@code kill -9} leaves it, which every service tolerates.
   * {@link #exitNormallyOnStopSignals()} replaces these handlers once the service is built.
   */
  public static void haltOnStopSignalsDuringStartup(String serviceName) {
    for (String name : List.of("TERM", "INT")) {
      try {
        Signal.handle(
            new Signal(name),
            signal -> {
              System.err.println(serviceName + ": stopped by SIG" + name + " during start-up");
              Runtime.getRuntime().halt(0);
            });
      } catch (IllegalArgumentException e) {
        log.debug("cannot handle SIG{}; the JVM's default applies", name, e);
      }
    }
  }

  /** Closes each resource in order, logging failures and going on. */
  public static void closeAll(List<? extends AutoCloseable> resources) {
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.warn("interrupted while closing {}", resource, e);
      } catch (Exception e) {
        log.warn("failed to close {}", resource, e);
      }
    }
  }
}
