package io.mmserve.cli;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Supervises the services of the local stack as child processes: starts them, waits until each
 * reports SERVING, notices when one exits, and stops them all.
 *
 * <p>Thread-safety: {@link #start()} and the waits run on the launcher's main thread; {@link
 * #beginStop()} decides which thread (main or the shutdown hook) performs the one {@link
 * #stop(Duration)}.
 */
final class LocalStack {
  private static final Duration POLL_INTERVAL = Duration.ofMillis(250);
  private static final Duration PROBE_WAIT = Duration.ofSeconds(1);
  private static final Duration KILL_WAIT = Duration.ofSeconds(5);
  private static final Duration OUTPUT_DRAIN_WAIT = Duration.ofSeconds(2);

  private final List<ServiceSpec> specs;
  private final Path workDir;
  private final PrintStream out;
  private final ChannelCredentials probeCredentials;
  private final List<ServiceProcess> running = new ArrayList<>();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);

  /**
   * @param specs the services in start order
   * @param workDir the working directory of every service
   * @param out where the services' prefixed output goes
   */
  LocalStack(List<ServiceSpec> specs, Path workDir, PrintStream out) {
    this(specs, workDir, out, InsecureChannelCredentials.create());
  }

  /**
   * As {@link #LocalStack(List, Path, PrintStream)}, with the health probes made over {@code
   * probeCredentials} (the CLI's certificate, for a stack of {@code up --tls}).
   */
  LocalStack(
      List<ServiceSpec> specs, Path workDir, PrintStream out, ChannelCredentials probeCredentials) {
    this.specs = List.copyOf(specs);
    this.workDir = workDir;
    this.out = out;
    this.probeCredentials = probeCredentials;
  }

  /**
   * Starts every service without waiting for any. If one cannot be started, the ones already
   * started keep running; the caller stops them.
   *
   * @throws StackException if a service's command cannot be run
   */
  synchronized void start() throws StackException {
    for (ServiceSpec spec : specs) {
      try {
        running.add(ServiceProcess.start(spec, workDir, out));
      } catch (IOException e) {
        throw new StackException("cannot start " + spec.name() + ": " + e.getMessage());
      }
    }
  }

  /**
   * Waits until every service answers SERVING on its gRPC health service, in start order, failing
   * as soon as any service exits.
   *
   * @param timeout for all services together
   * @param onServing told of each service as it becomes ready
   * @throws StackException if a service exits or is not ready in time
   */
  void awaitServing(Duration timeout, Consumer<ServiceSpec> onServing)
      throws StackException, InterruptedException {
    awaitServing(processes(), probeCredentials, timeout, onServing);
  }

  private static void awaitServing(
      List<ServiceProcess> services,
      ChannelCredentials probeCredentials,
      Duration timeout,
      Consumer<ServiceSpec> onServing)
      throws StackException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ServiceProcess service : services) {
      try (HealthProbe probe = new HealthProbe(service.spec().target(), probeCredentials)) {
        while (!probe.isServing(PROBE_WAIT)) {
          Optional<ServiceProcess> exited = services.stream().filter(s -> !s.isAlive()).findFirst();
          if (exited.isPresent()) {
            throw new StackException(
                exited.get().name()
                    + " exited with code "
                    + exited.get().exitValue()
                    + " before it was ready (its output is above)");
          }
          if (System.nanoTime() - deadline > 0) {
            throw new StackException(
                service.name()
                    + " did not report SERVING on "
                    + service.spec().target()
                    + " within "
                    + timeout.toSeconds()
                    + "s (its output is above; a slow machine may need --startup-timeout)");
          }
          awaitExitOrPollInterval(services);
        }
      }
      onServing.accept(service.spec());
    }
  }

  /**
   * Blocks until a module has no running process left, and returns one of its processes that exited
   * (the first in start order not reported yet, so the last one when they exit apart). A replica
   * that exits while others of its module still run is only reported to {@code onReplicaExit}: the
   * stack keeps serving through the others.
   */
  ServiceProcess awaitModuleDown(Consumer<ServiceProcess> onReplicaExit)
      throws InterruptedException {
    Set<ServiceProcess> seen = new HashSet<>();
    while (true) {
      // every exit not seen yet, in start order: two processes may have exited since the last
      // wait, or the last replica of a module while the callback ran, and none may be missed
      for (ServiceProcess exited : processes()) {
        if (exited.isAlive() || !seen.add(exited)) {
          continue;
        }
        String module = exited.spec().module();
        boolean moduleAlive =
            processes().stream().anyMatch(s -> s.spec().module().equals(module) && s.isAlive());
        if (!moduleAlive) {
          return exited;
        }
        onReplicaExit.accept(exited);
      }
      List<ServiceProcess> alive = processes().stream().filter(ServiceProcess::isAlive).toList();
      if (!alive.isEmpty()) {
        awaitExitAmong(alive);
      }
    }
  }

  /** The specs of the services, in start order. */
  List<ServiceSpec> specs() {
    return specs;
  }

  /**
   * The running (or exited) process of the service called {@code name}, such as {@code
   * "text-encoder-svc#2"}: tests kill, pause and resume one service through it.
   *
   * @throws IllegalArgumentException if the stack has no such service
   */
  synchronized ServiceProcess process(String name) {
    return running.stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(unknownService(name)));
  }

  /**
   * Starts the service called {@code name} again, with the same command on the same ports, after
   * its process has exited (or been killed), and waits until it reports SERVING.
   *
   * @throws IllegalStateException if its process is still running
   * @throws StackException if it cannot be started or is not ready within {@code timeout}
   */
  void restart(String name, Duration timeout) throws StackException, InterruptedException {
    ServiceProcess restarted;
    synchronized (this) {
      ServiceProcess old = process(name);
      if (old.isAlive()) {
        throw new IllegalStateException(name + " still runs (pid " + old.pid() + ")");
      }
      try {
        restarted = ServiceProcess.start(old.spec(), workDir, out);
      } catch (IOException e) {
        throw new StackException("cannot restart " + name + ": " + e.getMessage());
      }
      running.set(running.indexOf(old), restarted);
    }
    awaitServing(List.of(restarted), probeCredentials, timeout, s -> {});
  }

  /**
   * Claims the one stop of this stack. Returns true to the first caller, who must then call {@link
   * #stop(Duration)}; false to every later one.
   */
  boolean beginStop() {
    return stopping.compareAndSet(false, true);
  }

  /** True once {@link #beginStop()} has been granted: services exiting now were asked to. */
  boolean isStopping() {
    return stopping.get();
  }

  /**
   * Stops every service: SIGTERM to all (the gateway first), then up to {@code grace} for them to
   * exit, then SIGKILL for any still running. Returns true if all exited within the grace.
   */
  boolean stop(Duration grace) throws InterruptedException {
    try {
      return stopAll(grace);
    } finally {
      stopped.countDown();
    }
  }

  /**
   * Waits up to {@code timeout} for the {@link #stop(Duration)} another thread is running; true if
   * it has finished.
   */
  boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private boolean stopAll(Duration grace) throws InterruptedException {
    List<ServiceProcess> services = new ArrayList<>(processes());
    Collections.reverse(services);
    services.forEach(ServiceProcess::requestStop);
    long deadline = System.nanoTime() + grace.toNanos();
    boolean clean = true;
    for (ServiceProcess service : services) {
      Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      if (!service.awaitExit(left)) {
        out.println(
            "mmserve: "
                + service.name()
                + " did not stop within "
                + grace.toSeconds()
                + "s; killing it");
        service.kill();
        service.awaitExit(KILL_WAIT);
        clean = false;
      }
    }
    for (ServiceProcess service : services) {
      service.awaitOutput(OUTPUT_DRAIN_WAIT);
    }
    return clean;
  }

  private synchronized List<ServiceProcess> processes() {
    return List.copyOf(running);
  }

  private String unknownService(String name) {
    return "no service called '"
        + name
        + "' in this stack; there are "
        + specs.stream().map(ServiceSpec::name).toList();
  }

  /** Blocks until one of {@code services} has exited. */
  private static void awaitExitAmong(List<ServiceProcess> services) throws InterruptedException {
    CompletableFuture<?>[] exits =
        services.stream().map(ServiceProcess::onExit).toArray(CompletableFuture<?>[]::new);
    try {
      CompletableFuture.anyOf(exits).get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("waiting for a process exit failed", e);
    }
  }

  /** Sleeps for the poll interval, waking early if a service exits. */
  private static void awaitExitOrPollInterval(List<ServiceProcess> services)
      throws InterruptedException {
    CompletableFuture<?>[] exits =
        services.stream().map(ServiceProcess::onExit).toArray(CompletableFuture<?>[]::new);
    try {
      CompletableFuture.anyOf(exits).get(POLL_INTERVAL.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      // all still running: poll again
    } catch (ExecutionException e) {
      throw new IllegalStateException("waiting for a process exit failed", e);
    }
  }
}
