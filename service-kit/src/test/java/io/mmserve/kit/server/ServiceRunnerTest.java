package io.mmserve.kit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.mmserve.kit.client.GrpcChannels;
import io.mmserve.kit.server.ServiceRunner.StartFailure;
import io.mmserve.kit.tls.CertificateAuthority;
import io.mmserve.kit.tls.ClientTls;
import io.mmserve.kit.tls.ClientTlsSettings;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceRunnerTest {
  private static final String NAME = "test-svc";
  private static final String LIMIT = "test.limit";
  private static final String[] FREE_PORTS = {"--grpc.port=0", "--admin.port=0"};
  private static final long WAIT_SECONDS = 10;

  /** What was closed, and whether gRPC health still said SERVING at that moment. */
  private final List<String> closed = new CopyOnWriteArrayList<>();

  private final List<String> stopSignalsFor = new ArrayList<>();
  private final List<Runnable> stopActions = new ArrayList<>();
  private RunningService service;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (service != null) {
      service.stop();
    }
  }

  @Test
  void start_withABadSharedSetting_failsWithExitCode2AndShowsTheValue() {
    boolean[] built = {false};
    StartFailure failure =
        assertThrows(
            StartFailure.class,
            () ->
                start(
                    settings -> {
                      built[0] = true;
                      return ServiceParts.of(new TestService());
                    },
                    "--grpc.port=70000"));

    assertEquals(ServiceRunner.EXIT_BAD_CONFIG, failure.exitCode());
    assertTrue(
        failure
            .getMessage()
            .startsWith(NAME + ": bad configuration: grpc.port must be in 0..65535, but was 70000"),
        failure.getMessage());
    assertFalse(built[0], "nothing is built from a bad config");
  }

  @Test
  void start_whenTheServicesSettingsRefuseAValue_failsWithExitCode2() {
    StartFailure failure =
        assertThrows(
            StartFailure.class,
            () -> start(limit -> ServiceParts.of(new TestService()), "--test.limit=0"));

    assertEquals(ServiceRunner.EXIT_BAD_CONFIG, failure.exitCode());
    assertTrue(
        failure.getMessage().startsWith(NAME + ": bad configuration: test.limit must be in 1..9"),
        failure.getMessage());
  }

  @Test
  void start_whenBuildingFails_closesWhatWasBuiltLastFirstAndFailsWithExitCode1() {
    StartFailure failure =
        assertThrows(
            StartFailure.class,
            () ->
                start(
                    (limit, startup) -> {
                      startup.closeOnStop(closeable("backend"));
                      startup.closeOnStop(closeable("encoder"));
                      throw new IllegalStateException("model pack 'x' has no manifest");
                    }));

    assertEquals(ServiceRunner.EXIT_START_FAILED, failure.exitCode());
    assertEquals(NAME + " failed to start: model pack 'x' has no manifest", failure.getMessage());
    assertEquals(List.of("encoder", "backend"), closed);
    assertTrue(stopSignalsFor.isEmpty(), "no hook for a service that never listened");
  }

  @Test
  void start_whenTheGrpcPortIsTaken_closesWhatWasBuiltAndFailsWithExitCode1() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      StartFailure failure =
          assertThrows(
              StartFailure.class,
              () ->
                  start(
                      (limit, startup) -> {
                        startup.closeOnStop(closeable("backend"));
                        return ServiceParts.of(new TestService());
                      },
                      "--grpc.port=" + taken.getLocalPort(),
                      "--admin.port=0"));

      assertEquals(ServiceRunner.EXIT_START_FAILED, failure.exitCode());
      assertTrue(
          failure.getMessage().startsWith(NAME + " failed to start: "), failure.getMessage());
      assertEquals(List.of("backend"), closed);
    }
  }

  @Test
  void start_servesTheServicesWithHealthAndStandardMeters() throws Exception {
    service = start((limit, startup) -> ServiceParts.of(new TestService()), FREE_PORTS);
    channel = GrpcChannels.plaintext("127.0.0.1:" + service.grpc().port(), 1 << 20);

    assertEquals("hello", call("hello"));
    assertEquals(ServingStatus.SERVING, health());
    assertEquals(200, get("/healthz").statusCode());
    String metrics = get("/metrics").body();
    assertTrue(metrics.contains("jvm_memory_used_bytes{area=\"heap\""), "standard meters");
    assertTrue(metrics.contains("mmserve_grpc_server_requests_seconds_count"), "request meters");
    assertEquals(List.of(NAME), stopSignalsFor, "one stop hook");
  }

  @Test
  void start_withGrpcTransportNio_servesOnNioEventLoopsAndStopShutsThemDown() throws Exception {
    service =
        start(
            (limit, startup) -> ServiceParts.of(new TestService()),
            "--grpc.port=0",
            "--admin.port=0",
            "--grpc.transport=nio");
    channel = GrpcChannels.plaintext("127.0.0.1:" + service.grpc().port(), 1 << 20);

    assertEquals("hello", call("hello"));
    assertTrue(nioEventLoopsAlive(), "the server's NIO event loops run");

    service.stop();

    assertTrue(
        NettyTransportTest.threadsEnd("grpc-nio-", Duration.ofSeconds(10)),
        "the server's NIO event loops stopped with it");
  }

  private static boolean nioEventLoopsAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.isAlive() && t.getName().startsWith("grpc-nio-"));
  }

  @Test
  void stop_stopsGrpcFirstThenClosesWhatWasBuiltLastFirst() throws Exception {
    service =
        start(
            (limit, startup) -> {
              startup.closeOnStop(closeable("backend"));
              startup.closeOnStop(closeable("encoder"));
              return ServiceParts.of(new TestService());
            },
            FREE_PORTS);
    GrpcServer grpc = service.grpc();

    stopActions.getFirst().run(); // what SIGTERM runs

    assertEquals(List.of("encoder (gRPC stopped)", "backend (gRPC stopped)"), closed);
    assertFalse(grpc.isServing());
    service.awaitTermination(); // returns at once: the server has terminated
  }

  @Test
  void transports_startBeforeGrpcListensAndBeginStoppingBeforeGrpcDrains() throws Exception {
    int grpcPort;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      grpcPort = free.getLocalPort();
    }
    RecordingTransport http =
        new RecordingTransport(grpcPort, () -> service != null && service.grpc().isServing());
    service =
        start(
            (limit, startup) -> {
              startup.closeOnStop(closeable("backend"));
              return ServiceParts.of(new TestService()).withTransport(http);
            },
            "--grpc.port=" + grpcPort,
            "--admin.port=0");

    stopActions.getFirst().run(); // what SIGTERM runs

    assertEquals( // gRPC health says SERVING only once every port listens
        List.of(
            "start (gRPC not listening)",
            "beginStop (gRPC SERVING)",
            "close (gRPC stopped)",
            "backend (gRPC stopped)"),
        Stream.concat(http.events.stream(), closed.stream()).toList());
  }

  @Test
  void start_withADependency_healthAndHealthzFollowIt() throws Exception {
    boolean[] ready = {false};
    BooleanSupplier dependency = () -> ready[0];
    service =
        start(
            (limit, startup) -> ServiceParts.following(dependency, new TestService()), FREE_PORTS);
    channel = GrpcChannels.plaintext("127.0.0.1:" + service.grpc().port(), 1 << 20);

    assertTrue(awaitHealth(ServingStatus.NOT_SERVING), "health follows the dependency");
    assertEquals(503, get("/healthz").statusCode());
  }

  @Test
  void start_withAMissingTlsFile_failsWithExitCode2NamingTheSettingAndTheFile(@TempDir Path dir) {
    Path missing = dir.resolve("missing.crt");
    StartFailure failure =
        assertThrows(
            StartFailure.class,
            () ->
                start(
                    limit -> ServiceParts.of(new TestService()),
                    "--tls.cert-file=" + missing,
                    "--tls.key-file=" + missing));

    assertEquals(ServiceRunner.EXIT_BAD_CONFIG, failure.exitCode());
    assertEquals(
        NAME + ": bad configuration: tls.cert-file " + missing + " does not exist",
        failure.getMessage());
  }

  @Test
  void start_withTls_servesTlsClientsOnly(@TempDir Path dir) throws Exception {
    CertificateAuthority ca =
        CertificateAuthority.create("test-ca", Clock.systemUTC(), Duration.ofDays(1));
    ca.writeCertificate(dir.resolve("ca.crt"));
    ca.issue("server", List.of("localhost"), Duration.ofDays(1))
        .writeTo(dir.resolve("server.crt"), dir.resolve("server.key"));
    service =
        start(
            limit -> ServiceParts.of(new TestService()),
            "--grpc.port=0",
            "--admin.port=0",
            "--tls.cert-file=" + dir.resolve("server.crt"),
            "--tls.key-file=" + dir.resolve("server.key"));
    ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor();
    try (ClientTls tls =
        ClientTls.start(
            ClientTlsSettings.trusting(dir.resolve("ca.crt"), Duration.ofMinutes(1)),
            "test.tls",
            poller)) {
      channel =
          GrpcChannels.channel("localhost:" + service.grpc().port(), 1 << 20, tls.credentials());
      assertEquals("over tls", call("over tls"));

      channel.shutdownNow();
      channel = GrpcChannels.plaintext("localhost:" + service.grpc().port(), 1 << 20);
      StatusRuntimeException plaintext =
          assertThrows(StatusRuntimeException.class, () -> call("in the clear"));
      assertEquals(Status.Code.UNAVAILABLE, plaintext.getStatus().getCode());
    } finally {
      poller.shutdownNow();
    }
  }

  @Test
  void serviceParts_needAtLeastOneService() {
    assertThrows(IllegalArgumentException.class, ServiceParts::of);
    assertNull(ServiceParts.of(new TestService()).dependencyReady());
  }

  private RunningService start(Function<Integer, ServiceParts> parts, String... args)
      throws StartFailure {
    return start((limit, startup) -> parts.apply(limit), args);
  }

  private RunningService start(ServiceRunner.Assembly<Integer> assembly, String... args)
      throws StartFailure {
    Map<String, String> defaults = new HashMap<>(ServerConfig.defaults(0, 0));
    defaults.put(LIMIT, "5");
    ServiceRunner<Integer> runner =
        new ServiceRunner<>(NAME, defaults, config -> config.getInt(LIMIT, 1, 9), assembly);
    return runner.start(
        args,
        Map.of(),
        (name, stop) -> {
          stopSignalsFor.add(name);
          stopActions.add(stop);
        });
  }

  private AutoCloseable closeable(String name) {
    return () -> {
      boolean grpcStopped = service != null && !service.grpc().isServing();
      closed.add(service == null ? name : name + (grpcStopped ? " (gRPC stopped)" : " (SERVING)"));
    };
  }

  private String call(String message) {
    return SimpleServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage(message).build())
        .getResponseMessage();
  }

  private ServingStatus health() {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  /** Polls health until it is {@code wanted}; false if it is not within the wait. */
  private boolean awaitHealth(ServingStatus wanted) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (health() != wanted) {
      if (System.nanoTime() > until) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  private HttpResponse<String> get(String path) throws Exception {
    try (HttpClient client = HttpClient.newHttpClient()) {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.admin().port() + path))
              .timeout(Duration.ofSeconds(WAIT_SECONDS))
              .build();
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    }
  }
}
