package io.mmserve.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kubernetes.Manifest.KubeObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chart as {@code helm lint} and {@code helm template} see it: what each values combination
 * renders, checked object by object. No cluster; {@link ChartInstallIT} installs the same
 * combinations into a real one.
 */
class ChartRenderingIT {
  static final String RELEASE = "mmserve";
  static final String NAMESPACE = "serving";
  static final List<String> SERVICES =
      List.of("gateway", "text-encoder", "vision-encoder", "fusion");

  private static Helm helm;

  @BeforeAll
  static void findHelm() {
    helm = Helm.offline(Path.of("target/helm-home").toAbsolutePath());
  }

  private static Manifest render(Values values) {
    return helm.template(RELEASE, NAMESPACE, values);
  }

  private static String deployment(String component) {
    return RELEASE + "-" + component;
  }

  @ParameterizedTest
  @EnumSource(value = Combination.class, names = "KEDA", mode = EnumSource.Mode.EXCLUDE)
  void lint_isCleanWithStrictChecks(Combination combination) {
    // helm lint cannot assume KEDA's API; KEDA's combination is rendered and installed elsewhere
    Helm.Result lint = helm.lint(combination.chartValues());
    assertTrue(lint.succeeded(), lint::output);
    assertTrue(lint.output().contains("0 chart(s) failed"), lint::output);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 10, 95})
  void terminationGrace_isAlwaysLongerThanPreStopPlusShutdownGrace(int shutdownGraceSeconds) {
    Values values = Values.DEFAULTS.set("triton.enabled=true", Combination.TRITON_IMAGE);
    for (String component : List.of("gateway", "textEncoder", "visionEncoder", "fusion")) {
      values =
          values.set(
              component + ".termination.shutdownGraceSeconds=" + shutdownGraceSeconds,
              component + ".termination.preStopSleepSeconds=7");
    }
    Manifest manifest = render(values);
    for (String component : SERVICES) {
      KubeObject pod = podTemplate(manifest, component);
      long grace = longValue(pod.at("spec", "terminationGracePeriodSeconds"));
      Map<String, Object> container = onlyContainer(pod);
      long preStop = longValue(at(container, "lifecycle", "preStop", "sleep", "seconds"));
      Duration shutdown =
          Duration.parse(
              "PT"
                  + SettingsFile.of(manifest, component)
                      .chartOwned()
                      .get("shutdown.grace")
                      .toUpperCase());
      assertEquals(7, preStop, component);
      assertEquals(shutdownGraceSeconds, shutdown.toSeconds(), component);
      assertTrue(
          grace > preStop + shutdown.toSeconds(),
          component
              + ": terminationGracePeriodSeconds "
              + grace
              + " is not longer than preStop "
              + preStop
              + " s + shutdown.grace "
              + shutdown);
    }
  }

  @Test
  void probes_areNativeGrpcProbesOnTheServingPort_andStartupCoversModelLoading() {
    Manifest manifest = render(Values.DEFAULTS.set("textEncoder.probes.startupSeconds=301"));
    for (String component : SERVICES) {
      Map<String, Object> container = onlyContainer(podTemplate(manifest, component));
      Object grpcPort =
          ((Map<?, ?>) ((List<?>) container.get("ports")).get(0)).get("containerPort");
      for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
        assertEquals(grpcPort, at(container, probe, "grpc", "port"), component + " " + probe);
      }
      if (component.equals("text-encoder")) {
        long covered =
            longValue(at(container, "startupProbe", "failureThreshold"))
                * longValue(at(container, "startupProbe", "periodSeconds"));
        assertTrue(covered >= 301, "startupProbe covers " + covered + " s, not 301");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"kubernetes", "dns"})
  void gatewayTargets_nameTheHeadlessServices_inTheDiscoveryModesForm(String mode) {
    Manifest manifest = render(Values.DEFAULTS.set("discovery.mode=" + mode));
    Map<String, String> settings = SettingsFile.of(manifest, "gateway").chartOwned();
    Map<String, Integer> ports =
        Map.of("text-encoder", 50052, "vision-encoder", 50053, "fusion", 50054);
    for (var backend : ports.entrySet()) {
      String service = deployment(backend.getKey());
      // kubernetes:/// names the Service's port, whose EndpointSlice ports are the container's
      String expected =
          mode.equals("kubernetes")
              ? "kubernetes:///" + service + "." + NAMESPACE + ":grpc"
              : "dns:///" + service + "." + NAMESPACE + ".svc:" + backend.getValue();
      assertEquals(expected, settings.get(backend.getKey() + ".target"));
      KubeObject svc = manifest.get("Service", service);
      assertEquals("None", svc.string("spec", "clusterIP"), service + " must be headless");
      assertTrue(
          svc.list("spec", "ports").stream()
              .map(p -> (Map<?, ?>) p)
              .anyMatch(
                  p -> backend.getValue().equals(p.get("port")) && "grpc".equals(p.get("name"))),
          service + " has no port grpc " + backend.getValue());
      Map<String, Object> container = onlyContainer(podTemplate(manifest, backend.getKey()));
      Object containerPort =
          ((Map<?, ?>) ((List<?>) container.get("ports")).get(0)).get("containerPort");
      assertEquals(backend.getValue(), containerPort, backend.getKey() + "'s container port");
    }
    assertEquals(
        "ClusterIP", manifest.get("Service", deployment("gateway")).string("spec", "type"));
  }

  @Test
  void gatewayHttp_isOnByDefault_onTheContainerAndAServicePortNamedHttp() {
    Manifest on = render(Values.DEFAULTS.set("gateway.http.port=8081"));
    Manifest off = render(Values.DEFAULTS.set("gateway.http.enabled=false"));

    Map<String, String> settings = SettingsFile.of(on, "gateway").chartOwned();
    assertEquals("true", settings.get("http.enabled"));
    assertEquals("0.0.0.0", settings.get("http.host"));
    assertEquals("8081", settings.get("http.port"));
    assertTrue(
        onlyContainerPorts(on, "gateway")
            .contains(Map.of("name", "http", "containerPort", 8081, "protocol", "TCP")),
        onlyContainerPorts(on, "gateway").toString());
    assertTrue(
        on.get("Service", deployment("gateway")).list("spec", "ports").stream()
            .map(p -> (Map<?, ?>) p)
            .anyMatch(
                p ->
                    "http".equals(p.get("name"))
                        && Integer.valueOf(8081).equals(p.get("port"))
                        && "http".equals(p.get("targetPort"))),
        "the gateway's Service has no port http 8081");

    assertEquals("false", SettingsFile.of(off, "gateway").chartOwned().get("http.enabled"));
    assertFalse(
        onlyContainerPorts(off, "gateway").stream().anyMatch(p -> "http".equals(p.get("name"))));
    assertFalse(
        off.get("Service", deployment("gateway")).list("spec", "ports").stream()
            .anyMatch(p -> "http".equals(((Map<?, ?>) p).get("name"))));
    for (String backend : List.of("text-encoder", "vision-encoder", "fusion")) {
      assertFalse(
          onlyContainerPorts(on, backend).stream().anyMatch(p -> "http".equals(p.get("name"))),
          backend + " has an http port");
    }
  }

  private static List<Map<?, ?>> onlyContainerPorts(Manifest manifest, String component) {
    return ((List<?>) onlyContainer(podTemplate(manifest, component)).get("ports"))
        .stream().<Map<?, ?>>map(p -> (Map<?, ?>) p).toList();
  }

  @Test
  void gatewayRole_grantsOnlyReadsOfEndpointSlices_andOnlyForKubernetesDiscovery() {
    Manifest kubernetes = render(Values.DEFAULTS);
    KubeObject role = kubernetes.get("Role", deployment("gateway"));
    assertEquals(
        List.of(
            Map.of(
                "apiGroups", List.of("discovery.k8s.io"),
                "resources", List.of("endpointslices"),
                "verbs", List.of("list", "watch"))),
        role.list("rules"));
    KubeObject binding = kubernetes.get("RoleBinding", deployment("gateway"));
    assertEquals(role.name(), binding.string("roleRef", "name"));
    KubeObject gatewayPod = podTemplate(kubernetes, "gateway");
    assertEquals(deployment("gateway"), gatewayPod.string("spec", "serviceAccountName"));
    assertEquals(Boolean.TRUE, gatewayPod.at("spec", "automountServiceAccountToken"));

    Manifest dns = render(Values.DEFAULTS.set("discovery.mode=dns"));
    assertTrue(dns.ofKind("Role").isEmpty() && dns.ofKind("RoleBinding").isEmpty());
    assertEquals(
        Boolean.FALSE, podTemplate(dns, "gateway").at("spec", "automountServiceAccountToken"));
  }

  @Test
  void tritonMode_runsTheGeneratorPerPack_onGpuNodes_andPointsTheEncodersAtIt() {
    Manifest manifest =
        render(
            Values.DEFAULTS.set(
                "triton.enabled=true",
                Combination.TRITON_IMAGE,
                "modelPacks.names={shapes-clip,other}"));
    String triton = deployment("triton");
    KubeObject tritonPod = podTemplate(manifest, "triton");
    Map<String, Object> server = onlyContainer(tritonPod);
    assertEquals(1, at(server, "resources", "limits", "nvidia.com/gpu"));
    assertEquals("true", tritonPod.string("spec", "nodeSelector", "nvidia.com/gpu.present"));
    assertFalse(tritonPod.list("spec", "tolerations").isEmpty());
    List<Object> init = tritonPod.list("spec", "initContainers");
    assertEquals(2, init.size(), "one generator run per pack");
    for (String encoder : List.of("text-encoder", "vision-encoder")) {
      Map<String, String> settings = SettingsFile.of(manifest, encoder).chartOwned();
      assertEquals("triton", settings.get("backend"));
      assertEquals(
          "dns:///" + triton + "." + NAMESPACE + ".svc:8001", settings.get("triton.target"));
      List<String> packs = List.of(settings.get("model.packs").split(","));
      Set<String> generated =
          init.stream()
              .flatMap(c -> ((List<?>) ((Map<?, ?>) c).get("args")).stream())
              .map(Object::toString)
              .filter(a -> a.startsWith("--pack="))
              .map(a -> a.substring("--pack=".length()))
              .collect(Collectors.toSet());
      assertEquals(Set.copyOf(packs), generated, "Triton serves the packs the encoders read");
    }
    assertEquals("None", manifest.get("Service", triton).string("spec", "clusterIP"));

    Manifest embedded = render(Values.DEFAULTS);
    assertEquals("embedded", SettingsFile.of(embedded, "text-encoder").chartOwned().get("backend"));
    assertTrue(embedded.find("Deployment", triton).isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"persistentVolumeClaim", "hostPath"})
  @SuppressWarnings("unchecked")
  void modelPacks_fromAVolume_areMountedReadOnlyWhereModelPacksPoints(String source) {
    Manifest manifest =
        render(
            Values.DEFAULTS.set(
                "triton.enabled=true",
                Combination.TRITON_IMAGE,
                "modelPacks.source=" + source,
                "modelPacks.persistentVolumeClaim.claimName=packs",
                "modelPacks.hostPath.path=/srv/packs",
                "modelPacks.mountPath=/packs"));
    for (String component : List.of("text-encoder", "vision-encoder", "fusion", "triton")) {
      KubeObject pod = podTemplate(manifest, component);
      Map<String, Object> volume = named(pod.list("spec", "volumes"), "model-packs");
      assertTrue(volume.containsKey(source), component + ": " + volume);
      List<Object> containers = new ArrayList<>(pod.list("spec", "initContainers"));
      if (!component.equals("triton")) {
        containers.addAll(pod.list("spec", "containers"));
      }
      for (Object container : containers) {
        Map<String, Object> mount =
            named((List<Object>) ((Map<?, ?>) container).get("volumeMounts"), "model-packs");
        assertEquals("/packs", mount.get("mountPath"), component);
        assertEquals(Boolean.TRUE, mount.get("readOnly"), component);
      }
      if (!component.equals("triton")) {
        assertEquals(
            "/packs/shapes-clip",
            SettingsFile.of(manifest, component).chartOwned().get("model.packs"));
      }
    }
    assertTrue(
        podTemplate(manifest, "gateway").list("spec", "volumes").stream()
            .noneMatch(v -> "model-packs".equals(((Map<?, ?>) v).get("name"))),
        "the gateway loads no pack");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> named(List<Object> items, String name) {
    return items.stream()
        .map(i -> (Map<String, Object>) i)
        .filter(i -> name.equals(i.get("name")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + items));
  }

  @Test
  void autoscalers_followTheValues() {
    Manifest hpa = render(Values.DEFAULTS);
    assertEquals(
        Set.of(deployment("gateway"), deployment("text-encoder"), deployment("vision-encoder")),
        names(hpa.ofKind("HorizontalPodAutoscaler")));
    for (String component : SERVICES) {
      boolean scaled = !component.equals("fusion");
      assertEquals(
          scaled,
          hpa.get("Deployment", deployment(component)).at("spec", "replicas") == null,
          component + ": an autoscaled Deployment leaves replicas to its autoscaler");
    }

    Manifest keda = render(Combination.KEDA.chartValues());
    assertTrue(keda.ofKind("HorizontalPodAutoscaler").isEmpty());
    assertEquals(3, keda.ofKind("ScaledObject").size());
    for (KubeObject scaled : keda.ofKind("ScaledObject")) {
      String query =
          ((Map<?, ?>) ((Map<?, ?>) scaled.list("spec", "triggers").get(0)).get("metadata"))
              .get("query")
              .toString();
      assertFalse(query.contains("<<"), scaled + ": unfilled adapter placeholder in " + query);
      assertTrue(query.contains("namespace=\"" + NAMESPACE + "\""), query);
    }

    Manifest off = render(Combination.AUTOSCALING_OFF.chartValues());
    assertTrue(
        off.ofKind("HorizontalPodAutoscaler").isEmpty() && off.ofKind("ScaledObject").isEmpty());
    for (String component : SERVICES) {
      assertEquals(2, off.get("Deployment", deployment(component)).at("spec", "replicas"));
    }
  }

  @Test
  void keda_withoutItsApi_failsNamingWhatIsMissing() {
    Helm.Result result =
        helm.run(
            List.of(
                "template",
                RELEASE,
                Helm.chartDir().toString(),
                "--set",
                "autoscaling.engine=keda"));
    assertFalse(result.succeeded());
    assertTrue(
        result.output().contains("autoscaling.engine=keda needs KEDA's API (keda.sh/v1alpha1"),
        result::output);
  }

  @Test
  void triton_withoutAnImage_failsNamingTheValue() {
    Helm.Result result =
        helm.run(
            List.of(
                "template", RELEASE, Helm.chartDir().toString(), "--set", "triton.enabled=true"));
    assertFalse(result.succeeded());
    assertTrue(
        result.output().contains("triton.image.repository: name your registry"), result::output);
  }

  static KubeObject podTemplate(Manifest manifest, String component) {
    return new KubeObject(
        manifest.get("Deployment", deployment(component)).map("spec", "template"));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> onlyContainer(KubeObject pod) {
    List<Object> containers = pod.list("spec", "containers");
    assertEquals(1, containers.size(), () -> "containers of " + pod.fields());
    return (Map<String, Object>) containers.get(0);
  }

  static Object at(Map<String, Object> map, String... path) {
    return new KubeObject(map).at(path);
  }

  private static long longValue(Object number) {
    assertTrue(number instanceof Number, () -> "not a number: " + number);
    return ((Number) number).longValue();
  }

  private static Set<String> names(List<KubeObject> objects) {
    return objects.stream().map(KubeObject::name).collect(Collectors.toSet());
  }
}
