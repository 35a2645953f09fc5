package io.mmserve.triton;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReadinessHealthInterceptorTest {
  private final AtomicBoolean backendReady = new AtomicBoolean(true);
  private final HealthStatusManager health = new HealthStatusManager();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    health.getHealthService(), new ReadinessHealthInterceptor(backendReady::get)))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    health.setStatus("", ServingStatus.SERVING);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  private ServingStatus check() {
    return HealthGrpc.newBlockingStub(channel)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  @Test
  void check_answersTheServersStatusWhileTheBackendIsReady() {
    assertEquals(ServingStatus.SERVING, check());
    health.setStatus("", ServingStatus.NOT_SERVING);
    assertEquals(ServingStatus.NOT_SERVING, check());
  }

  @Test
  void check_answersNotServingWhileTheBackendIsNotReady() {
    backendReady.set(false);
    assertEquals(ServingStatus.NOT_SERVING, check());
    backendReady.set(true);
    assertEquals(ServingStatus.SERVING, check());
  }
}
