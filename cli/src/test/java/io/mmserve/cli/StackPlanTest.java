package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StackPlanTest {
  private static final Path HOME = Path.of("/opt/mmserve");

  /** A machine of this many cores, as this one might be. */
  private static final int CORES = 2;

  private static List<ServiceSpec> plan(String... args) {
    return StackPlan.services(UpOptions.parse(List.of(args), HOME), HOME, "/jdk/bin/java", CORES);
  }

  private static ServiceSpec last(List<ServiceSpec> services) {
    return services.get(services.size() - 1);
  }

  @Test
  void services_startEncodersFusionAndGalleryBeforeGatewayOnDesignPorts() {
    List<ServiceSpec> services = plan();

    assertEquals(
        List.of("text-encoder-svc", "vision-encoder-svc", "fusion-svc", "gallery-svc", "gateway"),
        services.stream().map(ServiceSpec::name).toList());
    assertEquals(
        List.of(50052, 50053, 50054, 50055, 50051),
        services.stream().map(ServiceSpec::grpcPort).toList());
    assertEquals(
        List.of(9092, 9093, 9094, 9095, 9091),
        services.stream().map(ServiceSpec::adminPort).toList());
  }

  @Test
  void services_runGalleryOnItsDataDir() {
    ServiceSpec gallery = plan().get(3);

    assertEquals(
        List.of(
            "/jdk/bin/java",
            "--add-modules=jdk.incubator.vector",
            "-Xmx256m",
            "-XX:MaxDirectMemorySize=64m",
            "-XX:+UseSerialGC",
            "-jar",
            "/opt/mmserve/gallery-svc/target/gallery-svc.jar",
            "--grpc.host=127.0.0.1",
            "--grpc.port=50055",
            "--admin.host=127.0.0.1",
            "--admin.port=9095",
            "--data.dir=/opt/mmserve/data/gallery"),
        gallery.command());
    assertTrue(
        plan("--gallery-data=/var/gallery").get(3).command().contains("--data.dir=/var/gallery"));
  }

  @Test
  void services_runFusionOnThePack() {
    ServiceSpec fusion = plan().get(2);

    assertEquals(
        List.of(
            "/jdk/bin/java",
            "--add-modules=jdk.incubator.vector",
            "-Xmx128m",
            "-XX:MaxDirectMemorySize=64m",
            "-XX:+UseSerialGC",
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
            "-Xmx128m",
            "-XX:MaxDirectMemorySize=96m",
            "-XX:+UseSerialGC",
            "-jar",
            "/opt/mmserve/text-encoder-svc/target/text-encoder-svc.jar",
            "--grpc.host=127.0.0.1",
            "--grpc.port=50052",
            "--admin.host=127.0.0.1",
            "--admin.port=9092",
            "--onnxruntime.intra-op-threads=1",
            "--model.packs=/opt/mmserve/models/shapes-clip"),
        text.command());
  }

  @Test
  void services_encodersShareTheCoresBetweenTheirIntraOpThreads() {
    List<ServiceSpec> services =
        StackPlan.services(
            UpOptions.parse(List.of("--vision-replicas=2"), HOME), HOME, "/jdk/bin/java", 12);

    assertTrue(services.get(0).command().contains("--onnxruntime.intra-op-threads=4"));
    for (ServiceSpec vision : services.subList(1, 3)) {
      assertTrue(vision.command().contains("--onnxruntime.intra-op-threads=4"), vision.name());
      assertTrue(vision.command().contains("--preprocess.threads=4"), vision.name());
    }
  }

  @Test
  void services_encoderFlagOfAThreadCount_comesLaterAndWins() {
    List<String> command =
        plan("--encoder-flag", "onnxruntime.intra-op-threads=3").get(0).command();

    int split = command.indexOf("--onnxruntime.intra-op-threads=1");
    int given = command.indexOf("--onnxruntime.intra-op-threads=3");
    assertTrue(split >= 0 && given > split, command::toString);
  }

  @Test
  void services_towerFlags_goToThatTowerOnlyAndBeatEncoderFlags() {
    List<ServiceSpec> services =
        plan(
            "--encoder-flag", "batching.max-batch-size=8",
            "--vision-flag", "preprocess.threads=2",
            "--vision-flag", "batching.max-batch-size=4",
            "--text-flag", "sequence.dynamic=false");
    List<String> text = services.get(0).command();
    List<String> vision = services.get(1).command();

    assertFalse(text.contains("--preprocess.threads=2"), text::toString);
    assertTrue(text.contains("--sequence.dynamic=false"), text::toString);
    assertTrue(text.contains("--batching.max-batch-size=8"), text::toString);
    assertFalse(vision.contains("--sequence.dynamic=false"), vision::toString);
    assertTrue(
        vision.indexOf("--preprocess.threads=2") > vision.indexOf("--preprocess.threads=1"),
        vision::toString);
    assertTrue(
        vision.indexOf("--batching.max-batch-size=4")
            > vision.indexOf("--batching.max-batch-size=8"),
        vision::toString);
  }

  @Test
  void services_pointGatewayAtTheEncodersAndFusionOfThisStack() {
    ServiceSpec gateway = plan("--base-port=51000").get(4);

    assertEquals(51000, gateway.grpcPort());
    assertTrue(gateway.command().contains("--text-encoder.target=127.0.0.1:51001"));
    assertTrue(gateway.command().contains("--vision-encoder.target=127.0.0.1:51002"));
    assertTrue(gateway.command().contains("--fusion.target=127.0.0.1:51003"));
    assertTrue(gateway.command().contains("--gallery.target=127.0.0.1:51004"));
    assertTrue(gateway.command().contains("--gallery.thumbnails.max-side=160"));
  }

  @Test
  void services_gatewayServesHttpOnTheHttpPort() {
    List<String> byDefault = plan().get(4).command();
    List<String> moved = plan("--http-port=18080").get(4).command();

    assertTrue(byDefault.contains("--http.enabled=true"), byDefault::toString);
    assertTrue(byDefault.contains("--http.port=8080"), byDefault::toString);
    assertTrue(moved.contains("--http.port=18080"), moved::toString);
  }

  @Test
  void services_int8_asksOnlyTheEncodersForTheQuantisedModels() {
    List<ServiceSpec> services = plan("--int8");

    assertTrue(services.get(0).command().contains("--model.precision=int8"));
    assertTrue(services.get(1).command().contains("--model.precision=int8"));
    assertFalse(services.get(2).command().contains("--model.precision=int8"));
    assertFalse(services.get(3).command().contains("--model.precision=int8"));
    assertFalse(services.get(4).command().contains("--model.precision=int8"));
  }

  @Test
  void services_replicas_takePortsTenApartAndAreNumbered() {
    List<ServiceSpec> services = plan("--text-replicas=3", "--vision-replicas=2");

    assertEquals(
        List.of(
            "text-encoder-svc#1",
            "text-encoder-svc#2",
            "text-encoder-svc#3",
            "vision-encoder-svc#1",
            "vision-encoder-svc#2",
            "fusion-svc",
            "gallery-svc",
            "gateway"),
        services.stream().map(ServiceSpec::name).toList());
    assertEquals(
        List.of(50052, 50062, 50072, 50053, 50063, 50054, 50055, 50051),
        services.stream().map(ServiceSpec::grpcPort).toList());
    assertEquals(
        List.of(9092, 9102, 9112, 9093, 9103, 9094, 9095, 9091),
        services.stream().map(ServiceSpec::adminPort).toList());
    assertEquals("text#2", services.get(1).label());
  }

  @Test
  void services_replicas_runTheirModulesJar() {
    ServiceSpec second = plan("--text-replicas=2").get(1);

    assertEquals("text-encoder-svc", second.module());
    assertTrue(
        second.command().contains("/opt/mmserve/text-encoder-svc/target/text-encoder-svc.jar"));
    assertTrue(second.command().contains("--model.packs=/opt/mmserve/models/shapes-clip"));
  }

  @Test
  void services_gatewayFlagOfTheThumbnailSide_replacesTheLocalDefault() {
    ServiceSpec gateway = last(plan("--gateway-flag", "gallery.thumbnails.max-side=0"));

    assertTrue(gateway.command().contains("--gallery.thumbnails.max-side=0"));
    assertFalse(gateway.command().contains("--gallery.thumbnails.max-side=160"));
  }

  @Test
  void services_replicas_gatewayGetsEveryReplicaAsOneTargetList() {
    ServiceSpec gateway = last(plan("--text-replicas=2", "--vision-replicas=3"));

    assertTrue(
        gateway.command().contains("--text-encoder.target=127.0.0.1:50052,127.0.0.1:50062"),
        gateway.command()::toString);
    assertTrue(
        gateway
            .command()
            .contains("--vision-encoder.target=127.0.0.1:50053,127.0.0.1:50063,127.0.0.1:50073"),
        gateway.command()::toString);
  }

  @Test
  void services_gatewayFlags_followTheLaunchersOwnSettings() {
    ServiceSpec gateway =
        last(plan("--gateway-flag", "batching.text.max-batch-size=1", "--gateway-flag=a.b=c"));

    List<String> command = gateway.command();
    assertEquals(
        List.of("--batching.text.max-batch-size=1", "--a.b=c"),
        command.subList(command.size() - 2, command.size()));
  }

  @Test
  void services_encoderFlags_reachEveryEncoderReplicaOnly() {
    List<ServiceSpec> services =
        plan("--text-replicas=2", "--encoder-flag", "batching.max-batch-size=1");

    for (ServiceSpec encoder : services.subList(0, 3)) {
      assertTrue(encoder.command().contains("--batching.max-batch-size=1"), encoder.name());
    }
    assertFalse(services.get(3).command().contains("--batching.max-batch-size=1"));
    assertFalse(last(services).command().contains("--batching.max-batch-size=1"));
  }

  @Test
  void services_gatewayConfig_isPassedAsTheGatewaysConfigFlag() {
    ServiceSpec gateway = last(plan("--gateway-config", "/etc/gw.properties"));

    assertTrue(gateway.command().contains("--config=/etc/gw.properties"));
  }

  @Test
  void services_jvmOptions_goBeforeTheJarOfEveryProcessOfTheirModule() {
    List<ServiceSpec> services =
        plan("--text-replicas=2", "--jvm-option", "text-encoder-svc=-Xmx512m");

    for (ServiceSpec text : services.subList(0, 2)) {
      assertEquals(
          List.of(
              "/jdk/bin/java",
              "-XX:MaxDirectMemorySize=96m",
              "-XX:+UseSerialGC",
              "-Xmx512m",
              "-jar"),
          text.command().subList(0, 5));
    }
    assertFalse(last(services).command().contains("-Xmx512m"));
  }

  @Test
  void services_byDefault_boundEachJvmsHeapAndDirectMemory_andRunTheSerialCollector() {
    Map<String, List<String>> expected =
        Map.of(
            "gateway", List.of("-Xmx128m", "-XX:MaxDirectMemorySize=128m", "-XX:+UseSerialGC"),
            "text-encoder-svc",
                List.of("-Xmx128m", "-XX:MaxDirectMemorySize=96m", "-XX:+UseSerialGC"),
            "vision-encoder-svc",
                List.of("-Xmx128m", "-XX:MaxDirectMemorySize=96m", "-XX:+UseSerialGC"),
            "fusion-svc", List.of("-Xmx128m", "-XX:MaxDirectMemorySize=64m", "-XX:+UseSerialGC"),
            "gallery-svc", List.of("-Xmx256m", "-XX:MaxDirectMemorySize=64m", "-XX:+UseSerialGC"));

    for (ServiceSpec service : plan("--vision-replicas=2")) {
      List<String> command = service.command();
      List<String> jvm = command.subList(1, command.indexOf("-jar"));
      assertEquals(
          expected.get(service.module()),
          jvm.stream().filter(flag -> !flag.startsWith("--add-modules")).toList(),
          service.name());
    }
  }

  @Test
  void services_jvmOptionOfAKind_replacesThatDefaultOnly() {
    ServiceSpec vision =
        plan(
                "--jvm-option",
                "vision-encoder-svc=-XX:MaxRAMPercentage=25",
                "--jvm-option",
                "vision-encoder-svc=-XX:+UseG1GC",
                "--jvm-option",
                "vision-encoder-svc=-Xss512k")
            .get(1);

    List<String> command = vision.command();
    assertEquals(
        List.of(
            "-XX:MaxDirectMemorySize=96m", "-XX:MaxRAMPercentage=25", "-XX:+UseG1GC", "-Xss512k"),
        command.subList(1, command.indexOf("-jar")));
  }

  @Test
  void target_isLoopbackAndGrpcPort() {
    assertEquals("127.0.0.1:50053", plan().get(1).target());
  }

  @Test
  void services_tls_giveTheBackendsMutualTls_andTheGatewayTlsAndBackendCertificates() {
    List<ServiceSpec> services = plan("--tls", "--tls-dir=/certs");

    for (ServiceSpec backend : services.subList(0, 4)) {
      String identity = backend.name().endsWith("encoder-svc") ? "encoders" : backend.name();
      assertTrue(
          backend
              .command()
              .containsAll(
                  List.of(
                      "--tls.cert-file=/certs/" + identity + ".crt",
                      "--tls.key-file=/certs/" + identity + ".key",
                      "--tls.client-ca-file=/certs/ca.crt")),
          backend.command().toString());
    }
    List<String> gateway = last(services).command();
    assertTrue(
        gateway.containsAll(
            List.of(
                "--tls.cert-file=/certs/gateway.crt",
                "--tls.key-file=/certs/gateway.key",
                "--backend.tls.ca-file=/certs/ca.crt",
                "--backend.tls.cert-file=/certs/gateway.crt",
                "--backend.tls.key-file=/certs/gateway.key")),
        gateway.toString());
    assertTrue(
        gateway.stream().noneMatch(flag -> flag.startsWith("--tls.client-ca-file")),
        "callers of the gateway need no certificate");
    assertTrue(
        plan().stream().flatMap(s -> s.command().stream()).noneMatch(f -> f.contains("tls")),
        "plaintext without --tls");
  }
}
