package io.mmserve.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import io.mmserve.api.v1.EmbedImageRequest;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.testsupport.ServiceProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart against the real services: the five services run from their jars with the settings
 * files the chart renders (only addresses, ports, pack folder, the gallery's data dir and the
 * gateway's targets overridden for loopback), and every metric the chart's autoscalers read must be
 * on the /metrics page of the service it scales. The schema must offer every setting a service has
 * that the chart does not set itself.
 */
class ChartServicesIT {
  /** Chart component → the module whose jar runs it, in start order (the gateway last). */
  static final Map<String, String> JARS =
      new LinkedHashMap<>(
          Map.of(
              "text-encoder", "text-encoder-svc",
              "vision-encoder", "vision-encoder-svc",
              "fusion", "fusion-svc",
              "gallery", "gallery-svc"));

  static {
    JARS.put("gateway", "gateway");
  }

  static final Map<String, String> VALUES_KEYS =
      Map.of(
          "gateway", "gateway",
          "text-encoder", "textEncoder",
          "vision-encoder", "visionEncoder",
          "fusion", "fusion",
          "gallery", "gallery");

  /** A line of a service's printed configuration: {@code key=value (source)}. */
  private static final Pattern PRINTED_SETTING =
      Pattern.compile("^([a-z0-9][a-z0-9.-]*)=.* \\(((?:default|file|env|flag)[^)]*)\\)$");

  private static Helm helm;
  private static Manifest embedded;
  private static final Map<String, ServiceProcess> services = new LinkedHashMap<>();
  private static final Map<String, MetricsPage> pages = new HashMap<>();

  @BeforeAll
  static void startServicesWithTheChartsSettings() throws Exception {
    helm = Helm.offline(Path.of("target/helm-home").toAbsolutePath());
    embedded = helm.template("mmserve", "serving", Combination.EMBEDDED.chartValues());
    Path dir = Files.createDirectories(Path.of("target/chart-settings").toAbsolutePath());
    for (var service : JARS.entrySet()) {
      String component = service.getKey();
      Path file = dir.resolve(component + ".conf");
      Files.writeString(file, settingsText(component), StandardCharsets.UTF_8);
      List<String> flags =
          new ArrayList<>(
              List.of("--config=" + file, "--grpc.host=127.0.0.1", "--admin.host=127.0.0.1"));
      if (component.equals("gateway")) {
        flags.add("--text-encoder.target=127.0.0.1:" + services.get("text-encoder").grpcPort());
        flags.add("--vision-encoder.target=127.0.0.1:" + services.get("vision-encoder").grpcPort());
        flags.add("--fusion.target=127.0.0.1:" + services.get("fusion").grpcPort());
        flags.add("--gallery.target=127.0.0.1:" + services.get("gallery").grpcPort());
      } else if (component.equals("gallery")) {
        // the chart's data.dir is the pod's volume; here a folder of the build
        flags.add("--data.dir=" + Files.createDirectories(dir.resolve("gallery-data")));
      } else {
        flags.add("--model.packs=" + ReferencePack.PACK);
      }
      Path jar = Path.of(System.getProperty("mmserve.jar." + service.getValue()));
      services.put(
          component,
          ServiceProcess.startJar(jar, "chart-" + component, flags.toArray(String[]::new)));
    }
    // request timers exist once a method was called: one call of each kind through the gateway
    var gateway =
        MultimodalGrpc.newBlockingStub(services.get("gateway").channel())
            .withDeadlineAfter(60, TimeUnit.SECONDS);
    gateway.embedText(EmbedTextRequest.newBuilder().addTexts("a red circle").build());
    byte[] jpeg =
        Files.readAllBytes(ReferencePack.repoRoot().resolve("bench/data/photo_64x64.jpg"));
    gateway.embedImage(
        EmbedImageRequest.newBuilder()
            .addImages(Image.newBuilder().setEncoded(ByteString.copyFrom(jpeg)))
            .build());
    for (var service : services.entrySet()) {
      pages.put(
          service.getKey(), MetricsPage.scrape("127.0.0.1:" + service.getValue().adminPort()));
    }
  }

  @AfterAll
  static void stopServices() {
    services.values().forEach(ServiceProcess::close);
  }

  @Test
  void everyMetricTheHpasAndAdapterRulesRead_isExportedByTheServiceTheyScale() {
    List<AutoscalingReferences.Reference> references = AutoscalingReferences.of(embedded);
    assertEquals(
        3,
        references.stream().filter(r -> r.component() != null).count(),
        "an HPA metric for the gateway and each encoder: " + references);
    assertEquals(List.of(), AutoscalingReferences.problems(references, pages));
  }

  @Test
  void everyMetricTheKedaQueriesRead_isExportedByTheServiceTheyScale() {
    Manifest keda = helm.template("mmserve", "serving", Combination.KEDA.chartValues());
    List<AutoscalingReferences.Reference> references = AutoscalingReferences.of(keda);
    assertEquals(3, references.size(), "a query for the gateway and each encoder: " + references);
    assertEquals(List.of(), AutoscalingReferences.problems(references, pages));
  }

  @Test
  void aMetricNoServiceExports_isReported() throws Exception {
    Path rules = Path.of("target/chart-settings/misnamed-rule.yaml").toAbsolutePath();
    Files.writeString(
        rules,
        """
        autoscaling:
          prometheusAdapter:
            rules:
              - seriesQuery: 'mmserve_batch_wait_seconds_sum{namespace!="",pod!=""}'
                resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}
                name: {matches: ^mmserve_batch_wait_seconds_sum$, as: mmserve_batch_queue_seconds_mean}
                metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)'
              - seriesQuery: 'mmserve_grpc_server_requests_seconds_count{namespace!="",pod!=""}'
                resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}
                name: {matches: ^mmserve_grpc_server_requests_seconds_count$, as: mmserve_grpc_server_requests_per_second}
                metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>,method="mmserve.v1.Multimodal/Nope"}[1m])) by (<<.GroupBy>>)'
        """,
        StandardCharsets.UTF_8);
    Manifest misnamed = helm.template("mmserve", "serving", Values.DEFAULTS.file(rules));
    List<String> problems =
        AutoscalingReferences.problems(AutoscalingReferences.of(misnamed), pages);
    assertTrue(
        problems.stream().anyMatch(p -> p.contains("exports no mmserve_batch_wait_seconds_sum")),
        problems.toString());
    assertTrue(
        problems.stream().anyMatch(p -> p.contains("has method=\"mmserve.v1.Multimodal/Nope\"")),
        problems.toString());
  }

  @Test
  void servicesReadEveryChartSetting_andTheSchemaOffersEveryOtherSettingTheyHave()
      throws Exception {
    Manifest triton = helm.template("mmserve", "serving", Combination.TRITON_GPU.chartValues());
    Manifest tls = helm.template("mmserve", "serving", Values.DEFAULTS.set("tls.enabled=true"));
    Manifest tritonTls =
        helm.template(
            "mmserve",
            "serving",
            Combination.TRITON_GPU.chartValues().set("tls.enabled=true")); // triton.tls.*
    Manifest rollouts =
        helm.template(
            "mmserve",
            "serving",
            Values.DEFAULTS.set(
                "rollouts.enabled=true", "rollouts.prometheusUrl=http://prometheus:9090"));
    JsonObject schema =
        JsonParser.parseString(Files.readString(Helm.chartDir().resolve("values.schema.json")))
            .getAsJsonObject();
    for (var service : services.entrySet()) {
      String component = service.getKey();
      Map<String, String> printed = printedSettings(service.getValue());
      SettingsFile file = SettingsFile.of(embedded, component);
      for (String key : file.fromConfig().keySet()) {
        assertTrue(
            printed.getOrDefault(key, "").startsWith("file "),
            component + " did not take " + key + " from the chart's file: " + printed.get(key));
      }
      Set<String> owned = new TreeSet<>(file.chartOwned().keySet());
      owned.addAll(SettingsFile.of(triton, component).chartOwned().keySet());
      owned.addAll(SettingsFile.of(tls, component).chartOwned().keySet()); // tls.* files
      owned.addAll(SettingsFile.of(tritonTls, component).chartOwned().keySet());
      owned.addAll(SettingsFile.of(rollouts, component).chartOwned().keySet()); // rollout.*
      assertTrue(printed.keySet().containsAll(owned), component + " lacks one of " + owned);
      Set<String> tritonMode = SettingsFile.of(triton, component).all().keySet();
      assertTrue(
          printed.keySet().containsAll(tritonMode),
          component + " does not know one of its triton-mode settings " + tritonMode);

      Set<String> expected = new TreeSet<>(printed.keySet());
      expected.removeAll(owned);
      Set<String> offered =
          new TreeSet<>(
              schema
                  .getAsJsonObject("properties")
                  .getAsJsonObject(VALUES_KEYS.get(component))
                  .getAsJsonObject("properties")
                  .getAsJsonObject("config")
                  .getAsJsonObject("properties")
                  .keySet());
      assertEquals(
          expected,
          offered,
          "values.schema.json "
              + VALUES_KEYS.get(component)
              + ".config must list exactly the settings of "
              + component
              + " that the chart does not set ("
              + owned
              + ")");
    }
  }

  /** The settings the service printed at start: key to source ("default", "file ...", ...). */
  private static Map<String, String> printedSettings(ServiceProcess service) {
    Map<String, String> printed = new HashMap<>();
    for (String line : service.logText().lines().toList()) {
      Matcher m = PRINTED_SETTING.matcher(line.strip());
      if (m.matches()) {
        printed.put(m.group(1), m.group(2));
      }
    }
    assertFalse(printed.isEmpty(), "no printed configuration in\n" + service.logText());
    return printed;
  }

  private static String settingsText(String component) {
    String configMap =
        embedded.ofKind("ConfigMap").stream()
            .filter(c -> c.name().endsWith("-settings"))
            .findFirst()
            .orElseThrow()
            .string("data", component + ".conf");
    return configMap;
  }
}
