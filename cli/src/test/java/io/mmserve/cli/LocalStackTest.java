package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The supervisor with {@link FakeService} child JVMs in place of the real services. */
@Timeout(120)
class LocalStackTest {
  private static final Duration STARTUP = Duration.ofSeconds(60);
  private static final Duration GRACE = Duration.ofSeconds(30);
  private static final Path WORK_DIR = Path.of("").toAbsolutePath();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
  private LocalStack stack;

  @AfterEach
  void stopStack() throws InterruptedException {
    if (stack != null && stack.beginStop()) {
      stack.stop(GRACE);
    }
  }

  @Test
  void awaitServing_returnsOnceEveryServiceAnswersServing() throws Exception {
    List<ServiceSpec> specs = List.of(serving("one"), serving("two"));
    stack = new LocalStack(specs, WORK_DIR, print);
    List<String> ready = new ArrayList<>();

    stack.start();
    stack.awaitServing(STARTUP, s -> ready.add(s.name()));

    assertEquals(List.of("one", "two"), ready);
  }

  @Test
  void start_forwardsEachServicesOutputWithItsLabel() throws Exception {
    ServiceSpec spec = serving("one");
    stack = new LocalStack(List.of(spec), WORK_DIR, print);

    stack.start();
    stack.awaitServing(STARTUP, s -> {});
    assertTrue(stack.beginStop());
    stack.stop(GRACE);

    assertTrue(output().contains("[one] fake serving on " + spec.grpcPort() + "\n"), this::output);
  }

  @Test
  void stop_stopsEveryServiceWithinTheGraceAndFreesItsPort() throws Exception {
    ServiceSpec spec = serving("one");
    stack = new LocalStack(List.of(spec), WORK_DIR, print);
    stack.start();
    stack.awaitServing(STARTUP, s -> {});

    assertTrue(stack.beginStop());
    boolean clean = stack.stop(GRACE);

    assertTrue(clean);
    assertTrue(Ports.isFree(StackPlan.HOST, spec.grpcPort()));
  }

  @Test
  void stop_forwardsWhatTheServicesPrintWhileStopping() throws Exception {
    stack = new LocalStack(List.of(serving("one")), WORK_DIR, print);
    stack.start();
    stack.awaitServing(STARTUP, s -> {});

    assertTrue(stack.beginStop());
    stack.stop(GRACE);

    assertTrue(output().contains("[one] fake stopping\n"), this::output);
  }

  @Test
  void awaitServing_failsNamingAServiceThatExitedBeforeItWasReady() throws Exception {
    stack = new LocalStack(List.of(exiting("quitter", 3)), WORK_DIR, print);
    stack.start();

    StackException e =
        assertThrows(StackException.class, () -> stack.awaitServing(STARTUP, s -> {}));

    assertEquals(
        "quitter exited with code 3 before it was ready (its output is above)", e.getMessage());
  }

  @Test
  void awaitServing_failsAtOnceWhenALaterServiceExits() throws Exception {
    ServiceSpec neverServing =
        new ServiceSpec("silent", "silent", freePort(), 0, javaCommand("idle"));
    stack = new LocalStack(List.of(neverServing, exiting("quitter", 4)), WORK_DIR, print);
    stack.start();

    StackException e =
        assertThrows(StackException.class, () -> stack.awaitServing(STARTUP, s -> {}));

    assertEquals(
        "quitter exited with code 4 before it was ready (its output is above)", e.getMessage());
  }

  @Test
  void awaitModuleDown_returnsTheOnlyProcessOfAModuleWhenItExits() throws Exception {
    stack = new LocalStack(List.of(serving("stays"), exiting("leaves", 0)), WORK_DIR, print);
    stack.start();

    ServiceProcess exited = stack.awaitModuleDown(replica -> fail("not a replica: " + replica));

    assertEquals("leaves", exited.name());
    assertFalse(exited.isAlive());
  }

  @Test
  void awaitModuleDown_reportsAnExitedReplicaAndReturnsWhenItsModuleHasNoneLeft() throws Exception {
    stack =
        new LocalStack(
            List.of(exiting("m#1", 0), serving("m#2"), serving("other")), WORK_DIR, print);
    stack.start();
    List<String> reported = new ArrayList<>();

    ServiceProcess down =
        stack.awaitModuleDown(
            replica -> {
              reported.add(replica.name());
              // the module's last replica exits while the stack is still reporting the first: it
              // must not be missed (the wait used to go on for the other module's exit, for ever)
              stack.process("m#2").kill();
              awaitExit(stack.process("m#2"));
            });

    assertEquals(List.of("m#1"), reported);
    assertEquals("m#2", down.name());
    assertTrue(stack.process("other").isAlive());
  }

  private static void awaitExit(ServiceProcess process) {
    try {
      process.onExit().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(process.name() + " did not exit after SIGKILL", e);
    }
  }

  @Test
  void process_unknownName_failsListingTheServices() throws Exception {
    stack = new LocalStack(List.of(serving("one")), WORK_DIR, print);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> stack.process("two"));

    assertEquals("no service called 'two' in this stack; there are [one]", e.getMessage());
  }

  @Test
  void restart_afterKill_servesAgainOnTheSamePort() throws Exception {
    ServiceSpec spec = serving("one");
    stack = new LocalStack(List.of(spec), WORK_DIR, print);
    stack.start();
    stack.awaitServing(STARTUP, s -> {});
    ServiceProcess first = stack.process("one");
    first.kill();
    assertTrue(first.awaitExit(GRACE));

    stack.restart("one", STARTUP);

    ServiceProcess second = stack.process("one");
    assertTrue(second.isAlive());
    assertFalse(first.pid() == second.pid());
    try (HealthProbe probe = new HealthProbe(spec.target())) {
      assertTrue(probe.isServing(STARTUP));
    }
  }

  @Test
  void restart_whileRunning_isRefused() throws Exception {
    stack = new LocalStack(List.of(serving("one")), WORK_DIR, print);
    stack.start();

    assertThrows(IllegalStateException.class, () -> stack.restart("one", STARTUP));
  }

  @Test
  void pause_stopsAnswersUntilResume() throws Exception {
    ServiceSpec spec = serving("one");
    stack = new LocalStack(List.of(spec), WORK_DIR, print);
    stack.start();
    stack.awaitServing(STARTUP, s -> {});
    ServiceProcess one = stack.process("one");

    try (HealthProbe probe = new HealthProbe(spec.target())) {
      one.pause();
      try {
        assertFalse(probe.isServing(Duration.ofSeconds(1)));
      } finally {
        one.resume();
      }
      assertTrue(probe.isServing(STARTUP));
    }
    assertTrue(one.isAlive());
  }

  @Test
  void awaitStopped_isTrueOnlyOnceTheStopIsDone() throws Exception {
    stack = new LocalStack(List.of(serving("one")), WORK_DIR, print);
    stack.start();
    assertTrue(stack.beginStop());
    assertFalse(stack.awaitStopped(Duration.ZERO));

    stack.stop(GRACE);

    assertTrue(stack.awaitStopped(Duration.ZERO));
  }

  @Test
  void isStopping_becomesTrueWithBeginStop() {
    stack = new LocalStack(List.of(), WORK_DIR, print);
    assertFalse(stack.isStopping());

    stack.beginStop();

    assertTrue(stack.isStopping());
  }

  @Test
  void beginStop_isGrantedOnlyOnce() {
    stack = new LocalStack(List.of(), WORK_DIR, print);

    assertTrue(stack.beginStop());
    assertFalse(stack.beginStop());
  }

  private String output() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private static ServiceSpec serving(String name) throws IOException {
    int port = freePort();
    return new ServiceSpec(name, name, port, 0, javaCommand("serve", Integer.toString(port)));
  }

  private static ServiceSpec exiting(String name, int code) throws IOException {
    return new ServiceSpec(name, name, freePort(), 0, javaCommand("exit", Integer.toString(code)));
  }

  private static List<String> javaCommand(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Main.javaCommand());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(FakeService.class.getName());
    command.addAll(List.of(args));
    return command;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
