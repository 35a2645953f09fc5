package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UpOptionsTest {
  private static final Path HOME = Path.of("/opt/mmserve");

  @Test
  void parse_defaultsToBundledPackAndDesignPorts() {
    UpOptions options = UpOptions.parse(List.of(), HOME);

    assertEquals(Path.of("/opt/mmserve/models/shapes-clip"), options.modelPack());
    assertFalse(options.int8());
    assertEquals(50051, options.basePort());
    assertEquals(9091, options.adminBasePort());
    assertEquals(Duration.ofMinutes(3), options.startupTimeout());
    assertEquals(Duration.ofSeconds(20), options.stopGrace());
  }

  @Test
  void parse_readsEveryOption() {
    UpOptions options =
        UpOptions.parse(
            List.of(
                "--model-pack",
                "/packs/clip",
                "--int8",
                "--base-port=51051",
                "--admin-base-port",
                "19091",
                "--startup-timeout",
                "90s",
                "--stop-grace=5s"),
            HOME);

    assertEquals(Path.of("/packs/clip"), options.modelPack());
    assertTrue(options.int8());
    assertEquals(51051, options.basePort());
    assertEquals(19091, options.adminBasePort());
    assertEquals(Duration.ofSeconds(90), options.startupTimeout());
    assertEquals(Duration.ofSeconds(5), options.stopGrace());
  }

  @Test
  void parse_defaultsToOneReplicaOfEachEncoderAndNoExtras() {
    UpOptions options = UpOptions.parse(List.of(), HOME);

    assertEquals(1, options.textReplicas());
    assertEquals(1, options.visionReplicas());
    assertEquals(List.of(), options.gatewaySettings());
    assertEquals(List.of(), options.encoderSettings());
    assertEquals(Optional.empty(), options.gatewayConfig());
    assertEquals(Map.of(), options.jvmOptions());
  }

  @Test
  void parse_readsReplicaCounts() {
    UpOptions options =
        UpOptions.parse(List.of("--text-replicas", "3", "--vision-replicas=8"), HOME);

    assertEquals(3, options.textReplicas());
    assertEquals(8, options.visionReplicas());
  }

  @Test
  void parse_rejectsMoreThanEightReplicas() {
    UsageException e =
        assertThrows(
            UsageException.class, () -> UpOptions.parse(List.of("--text-replicas=9"), HOME));

    assertEquals("--text-replicas must be in 1..8, but was 9", e.getMessage());
  }

  @Test
  void parse_rejectsBasePortWhoseReplicaPortsPassTheLastPort() {
    UsageException e =
        assertThrows(
            UsageException.class,
            () -> UpOptions.parse(List.of("--vision-replicas=3", "--base-port=65520"), HOME));

    assertEquals("--base-port must be in 1024..65511, but was 65520", e.getMessage());
  }

  @Test
  void parse_keepsGatewayFlagsInOrder() {
    UpOptions options =
        UpOptions.parse(
            List.of(
                "--gateway-flag",
                "batching.text.max-batch-size=1",
                "--gateway-flag=deadline.default=1s"),
            HOME);

    assertEquals(
        List.of("batching.text.max-batch-size=1", "deadline.default=1s"),
        options.gatewaySettings());
  }

  @Test
  void parse_apiKeysSetsTheGatewaysKeysFile(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path keys = java.nio.file.Files.writeString(dir.resolve("keys"), "");

    UpOptions options = UpOptions.parse(List.of("--api-keys", keys.toString()), HOME);

    assertEquals(List.of("auth.api-keys-file=" + keys), options.gatewaySettings());
  }

  @Test
  void parse_rejectsApiKeysThatAreNoFile(@org.junit.jupiter.api.io.TempDir Path dir) {
    UsageException e =
        assertThrows(
            UsageException.class,
            () -> UpOptions.parse(List.of("--api-keys", dir.resolve("nope").toString()), HOME));

    assertTrue(e.getMessage().startsWith("--api-keys must name a keys file"), e.getMessage());
  }

  @Test
  void parse_rejectsGatewayFlagWithoutKeyValue() {
    UsageException e =
        assertThrows(
            UsageException.class,
            () -> UpOptions.parse(List.of("--gateway-flag", "--deadline.default"), HOME));

    assertTrue(e.getMessage().startsWith("--gateway-flag must be KEY=VALUE"), e.getMessage());
  }

  @Test
  void parse_rejectsGatewayFlagForASettingTheLauncherOwns() {
    UsageException e =
        assertThrows(
            UsageException.class,
            () -> UpOptions.parse(List.of("--gateway-flag", "grpc.port=1"), HOME));

    assertTrue(e.getMessage().startsWith("--gateway-flag grpc.port: up sets this"), e.getMessage());
  }

  @Test
  void parse_keepsEncoderFlags() {
    UpOptions options =
        UpOptions.parse(List.of("--encoder-flag", "batching.max-batch-size=1"), HOME);

    assertEquals(List.of("batching.max-batch-size=1"), options.encoderSettings());
  }

  @Test
  void parse_keepsTowerFlagsApartAndRefusesTheLaunchersOwn() {
    UpOptions options =
        UpOptions.parse(
            List.of("--vision-flag", "preprocess.threads=2", "--text-flag", "limits.max-items=8"),
            HOME);

    assertEquals(List.of("preprocess.threads=2"), options.visionSettings());
    assertEquals(List.of("limits.max-items=8"), options.textSettings());
    UsageException e =
        assertThrows(
            UsageException.class,
            () -> UpOptions.parse(List.of("--vision-flag", "grpc.port=1"), HOME));
    assertTrue(e.getMessage().startsWith("--vision-flag grpc.port: up sets this"), e.getMessage());
  }

  @Test
  void parse_rejectsEncoderFlagForTheModelPack() {
    UsageException e =
        assertThrows(
            UsageException.class,
            () -> UpOptions.parse(List.of("--encoder-flag", "model.packs=/x"), HOME));

    assertTrue(
        e.getMessage().startsWith("--encoder-flag model.packs: up sets this"), e.getMessage());
  }

  @Test
  void parse_resolvesGatewayConfigFile() {
    UpOptions options = UpOptions.parse(List.of("--gateway-config", "/etc/gw.properties"), HOME);

    assertEquals(Optional.of(Path.of("/etc/gw.properties")), options.gatewayConfig());
  }

  @Test
  void parse_groupsJvmOptionsByModule() {
    UpOptions options =
        UpOptions.parse(
            List.of(
                "--jvm-option",
                "gateway=-Xmx256m",
                "--jvm-option=text-encoder-svc=-Xmx1g",
                "--jvm-option",
                "gateway=-XX:+UseSerialGC"),
            HOME);

    assertEquals(List.of("-Xmx256m", "-XX:+UseSerialGC"), options.jvmOptionsOf("gateway"));
    assertEquals(List.of("-Xmx1g"), options.jvmOptionsOf("text-encoder-svc"));
    assertEquals(List.of(), options.jvmOptionsOf("fusion-svc"));
  }

  @Test
  void parse_rejectsJvmOptionForAnUnknownModule() {
    UsageException e =
        assertThrows(
            UsageException.class,
            () -> UpOptions.parse(List.of("--jvm-option", "gw=-Xmx1g"), HOME));

    assertTrue(e.getMessage().startsWith("--jvm-option must be MODULE=OPTION"), e.getMessage());
  }

  @Test
  void parse_rejectsTheOldReplicasOption() {
    assertThrows(UsageException.class, () -> UpOptions.parse(List.of("--replicas=2"), HOME));
  }

  @Test
  void parse_rejectsPositionalArguments() {
    assertThrows(UsageException.class, () -> UpOptions.parse(List.of("now"), HOME));
  }

  @Test
  void parse_rejectsPrivilegedBasePort() {
    assertThrows(UsageException.class, () -> UpOptions.parse(List.of("--base-port=80"), HOME));
  }

  @Test
  void parse_observeRunsPrometheusOnItsDefaultOrGivenPort() {
    UpOptions plain = UpOptions.parse(List.of(), HOME);
    UpOptions observed = UpOptions.parse(List.of("--observe"), HOME);
    UpOptions moved = UpOptions.parse(List.of("--observe", "--prometheus-port=19090"), HOME);

    assertFalse(plain.observe());
    assertTrue(observed.observe());
    assertEquals(9090, observed.prometheusPort());
    assertEquals(19090, moved.prometheusPort());
  }

  @Test
  void parse_refusesAPrometheusPortWithoutObserve() {
    UsageException e =
        assertThrows(
            UsageException.class, () -> UpOptions.parse(List.of("--prometheus-port=19090"), HOME));

    assertEquals(
        "--prometheus-port is the port of --observe's Prometheus; add --observe", e.getMessage());
  }

  @Test
  void parse_tlsMakesItsCertificatesBesideTheGalleryData_orInTlsDir() {
    assertEquals(Optional.empty(), UpOptions.parse(List.of(), HOME).tlsDir());
    assertEquals(
        Optional.of(Path.of("/opt/mmserve/data/tls")),
        UpOptions.parse(List.of("--tls"), HOME).tlsDir());
    assertEquals(
        Optional.of(Path.of("/var/certs")),
        UpOptions.parse(List.of("--tls", "--tls-dir=/var/certs"), HOME).tlsDir());
    UsageException e =
        assertThrows(
            UsageException.class, () -> UpOptions.parse(List.of("--tls-dir=/var/certs"), HOME));
    assertEquals("--tls-dir is where --tls makes its certificates; add --tls", e.getMessage());
  }
}
