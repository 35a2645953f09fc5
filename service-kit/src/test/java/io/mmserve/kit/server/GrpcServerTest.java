package io.mmserve.kit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GrpcServerTest {
  private static final String METHOD = "grpc.testing.SimpleService/UnaryRpc";
  private static final long WAIT_SECONDS = 10;

  private static final Duration POLL = Duration.ofMillis(500);

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ManualScheduler scheduler = new ManualScheduler();
  private GrpcServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    ServerConfig config =
        new ServerConfig("127.0.0.1", 0, "127.0.0.1", 0, 1 << 20, Duration.ofSeconds(30));
    server =
        new GrpcServer(
                InProcessServerBuilder.forName(name).directExecutor(),
                List.of(new TestService()),
                config,
                registry,
                scheduler)
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.stop();
  }

  @Test
  void thrownInvalidInput_reachesClientAsInvalidArgumentWithMessage() {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> call(TestService.THROW_INVALID));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("texts[1]: must not be empty", e.getStatus().getDescription());
  }

  @Test
  void domainExceptionPassedToOnError_reachesClientWithItsCode() {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> call(TestService.ON_ERROR_LIMIT));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals("texts: 300 exceeds the limit of 256", e.getStatus().getDescription());
  }

  @Test
  void unexpectedException_reachesClientAsInternalWithoutDetails() {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> call(TestService.THROW_BUG));

    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    assertEquals("internal error", e.getStatus().getDescription());
  }

  @Test
  void health_isServingAfterStartForServerAndEachService() {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);

    assertEquals(ServingStatus.SERVING, check(health, ""));
    assertEquals(ServingStatus.SERVING, check(health, "grpc.testing.SimpleService"));
    assertTrue(server.isServing());
  }

  @Test
  void health_goesNotServingWhenShutdownBegins() throws Exception {
    BlockingQueue<ServingStatus> statuses = new LinkedBlockingQueue<>();
    AtomicReference<ClientCallStreamObserver<HealthCheckRequest>> watch = new AtomicReference<>();
    HealthGrpc.newStub(channel)
        .watch(HealthCheckRequest.getDefaultInstance(), recordingObserver(statuses, watch));
    assertEquals(ServingStatus.SERVING, statuses.poll(WAIT_SECONDS, TimeUnit.SECONDS));

    // stop() waits for in-flight calls such as this watch, so it runs on its own thread.
    Thread stopper = new Thread(server::stop);
    stopper.start();

    assertEquals(ServingStatus.NOT_SERVING, statuses.poll(WAIT_SECONDS, TimeUnit.SECONDS));
    assertFalse(server.isServing());
    watch.get().cancel("test done", null);
    stopper.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
    assertFalse(stopper.isAlive());
  }

  @Test
  void reflection_listsApplicationAndHealthServices() throws InterruptedException {
    BlockingQueue<ServerReflectionResponse> responses = new LinkedBlockingQueue<>();
    CountDownLatch done = new CountDownLatch(1);
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    responses.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.countDown();
                  }

                  @Override
                  public void onCompleted() {
                    done.countDown();
                  }
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    assertTrue(done.await(WAIT_SECONDS, TimeUnit.SECONDS));

    List<String> names =
        responses.poll().getListServicesResponse().getServiceList().stream()
            .map(ServiceResponse::getName)
            .toList();
    assertTrue(names.contains("grpc.testing.SimpleService"), names.toString());
    assertTrue(names.contains("grpc.health.v1.Health"), names.toString());
  }

  @Test
  void metrics_recordEachCallByMethodAndStatus() {
    call("hello");
    assertThrows(StatusRuntimeException.class, () -> call(TestService.THROW_INVALID));

    Timer ok =
        registry.find(MetricsInterceptor.REQUESTS).tags("method", METHOD, "status", "OK").timer();
    Timer invalid =
        registry
            .find(MetricsInterceptor.REQUESTS)
            .tags("method", METHOD, "status", "INVALID_ARGUMENT")
            .timer();
    assertEquals(1, ok.count());
    assertEquals(1, invalid.count());
  }

  private String call(String message) {
    return SimpleServiceGrpc.newBlockingStub(channel)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage(message).build())
        .getResponseMessage();
  }

  private static ServingStatus check(HealthGrpc.HealthBlockingStub health, String service) {
    return health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  private static ClientResponseObserver<HealthCheckRequest, HealthCheckResponse> recordingObserver(
      BlockingQueue<ServingStatus> statuses,
      AtomicReference<ClientCallStreamObserver<HealthCheckRequest>> call) {
    return new ClientResponseObserver<>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<HealthCheckRequest> requestStream) {
        call.set(requestStream);
      }

      @Override
      public void onNext(HealthCheckResponse value) {
        statuses.add(value.getStatus());
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  @Test
  void followReadiness_watchStreamsSeeNotServingWhileTheDependencyIsDownAndServingAfter()
      throws Exception {
    AtomicBoolean ready = new AtomicBoolean(true);
    server.followReadiness(ready::get, POLL);
    scheduler.runDue();
    BlockingQueue<ServingStatus> seen = new LinkedBlockingQueue<>();
    HealthGrpc.newStub(channel)
        .watch(
            HealthCheckRequest.getDefaultInstance(),
            recordingObserver(seen, new AtomicReference<>()));
    assertEquals(ServingStatus.SERVING, seen.poll(WAIT_SECONDS, TimeUnit.SECONDS));

    ready.set(false);
    scheduler.advance(POLL);
    assertEquals(ServingStatus.NOT_SERVING, seen.poll(WAIT_SECONDS, TimeUnit.SECONDS));
    assertFalse(server.isServing());

    ready.set(true);
    scheduler.advance(POLL);
    assertEquals(ServingStatus.SERVING, seen.poll(WAIT_SECONDS, TimeUnit.SECONDS));
    assertTrue(server.isServing());
  }

  @Test
  void followReadiness_checkAnswersNotServingForServerAndEachServiceWhileTheDependencyIsDown() {
    AtomicBoolean ready = new AtomicBoolean(false);
    server.followReadiness(ready::get, POLL);
    scheduler.runDue();
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);

    assertEquals(ServingStatus.NOT_SERVING, check(health, ""));
    assertEquals(ServingStatus.NOT_SERVING, check(health, "grpc.testing.SimpleService"));

    ready.set(true);
    scheduler.advance(POLL);
    assertEquals(ServingStatus.SERVING, check(health, ""));
    assertEquals(ServingStatus.SERVING, check(health, "grpc.testing.SimpleService"));
  }

  @Test
  void followReadiness_changesHealthOnlyAtTheNextPoll() {
    AtomicBoolean ready = new AtomicBoolean(true);
    server.followReadiness(ready::get, POLL);
    scheduler.runDue();

    ready.set(false);
    scheduler.advance(POLL.minusMillis(1));
    assertTrue(server.isServing(), "not polled yet");
    scheduler.advance(Duration.ofMillis(1));
    assertFalse(server.isServing());
  }

  @Test
  void followReadiness_aFailingCheckCountsAsNotReady() {
    server.followReadiness(
        () -> {
          throw new IllegalStateException("triton unreachable");
        },
        POLL);
    scheduler.runDue();

    assertFalse(server.isServing());
    assertEquals(ServingStatus.NOT_SERVING, check(HealthGrpc.newBlockingStub(channel), ""));
  }

  @Test
  void followReadiness_aReadyDependencyDoesNotMakeAStoppedServerServing() throws Exception {
    server.followReadiness(() -> true, POLL);
    scheduler.runDue();

    server.stop();
    scheduler.advance(POLL);

    assertFalse(server.isServing());
    assertEquals(0, scheduler.activeTasks(), "stop cancels the poll");
  }

  @Test
  void followReadiness_canBeCalledOnlyOnce() {
    server.followReadiness(() -> true, Duration.ofSeconds(1));

    assertThrows(
        IllegalStateException.class,
        () -> server.followReadiness(() -> true, Duration.ofSeconds(1)));
  }

  @Test
  void followReadiness_withoutAScheduler_isRefused() {
    GrpcServer withoutScheduler =
        new GrpcServer(
            InProcessServerBuilder.forName(InProcessServerBuilder.generateName()),
            List.of(new TestService()),
            new ServerConfig("127.0.0.1", 0, "127.0.0.1", 0, 1 << 20, Duration.ofSeconds(1)),
            registry);

    assertThrows(
        IllegalStateException.class, () -> withoutScheduler.followReadiness(() -> true, POLL));
  }
}
