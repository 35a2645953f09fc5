package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class StackPlanTest {
  private static final Path HOME = Path.of("/opt/mmserve");

  private static List<ServiceSpec> plan(String... args) {
    return StackPlan.services(UpOptions.parse(List.of(args), HOME), HOME, "/jdk/bin/java");
  }

  @Test
  void services_startEncodersAndFusionBeforeGatewayOnDesignPorts() {
    List<ServiceSpec> services = plan();

    assertEquals(
        List.of("text-encoder-svc", "vision-encoder-svc", "fusion-svc", "gateway"),
        services.stream().map(ServiceSpec::name).toList());
    assertEquals(
        List.of(50052, 50053, 50054, 50051), services.stream().map(ServiceSpec::grpcPort).toList());
    assertEquals(
        List.of(9092, 9093, 9094, 9091), services.stream().map(ServiceSpec::adminPort).toList());
  }

  @Test
  void services_runFusionOnThePack() {
    ServiceSpec fusion = plan().get(2);

    assertEquals(
        List.of(
            "/jdk/bin/java",
            "-jar",
            "/opt/mmserve/fusion-svc/target/fusion-svc.jar",
            "--grpc.host=127.0.0.1",
            "--grpc.port=50054",
            "--admin.host=127.0.0.1",
            "--admin.port=9094",
            "--model.packs=/opt/mmserve/models/shapes-clip"),
        fusion.command());
  }

  @Test
  void services_runEachJarOnTheGivenJavaWithItsPortsOnLoopback() {
    ServiceSpec text = plan().get(0);

    assertEquals(
        List.of(
            "/jdk/bin/java",
            "-jar",
            "/opt/mmserve/text-encoder-svc/target/text-encoder-svc.jar",
            "--grpc.host=127.0.0.1",
            "--grpc.port=50052",
            "--admin.host=127.0.0.1",
            "--admin.port=9092",
            "--model.packs=/opt/mmserve/models/shapes-clip"),
        text.command());
  }

  @Test
  void services_pointGatewayAtTheEncodersAndFusionOfThisStack() {
    ServiceSpec gateway = plan("--base-port=51000").get(3);

    assertEquals(51000, gateway.grpcPort());
    assertTrue(gateway.command().contains("--text-encoder.target=127.0.0.1:51001"));
    assertTrue(gateway.command().contains("--vision-encoder.target=127.0.0.1:51002"));
    assertTrue(gateway.command().contains("--fusion.target=127.0.0.1:51003"));
  }

  @Test
  void services_int8_asksOnlyTheEncodersForTheQuantisedModels() {
    List<ServiceSpec> services = plan("--int8");

    assertTrue(services.get(0).command().contains("--model.precision=int8"));
    assertTrue(services.get(1).command().contains("--model.precision=int8"));
    assertFalse(services.get(2).command().contains("--model.precision=int8"));
    assertFalse(services.get(3).command().contains("--model.precision=int8"));
  }

  @Test
  void target_isLoopbackAndGrpcPort() {
    assertEquals("127.0.0.1:50053", plan().get(1).target());
  }
}
