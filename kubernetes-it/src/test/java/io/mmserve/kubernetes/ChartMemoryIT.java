package io.mmserve.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kubernetes.Manifest.KubeObject;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JVM memory of every mmserve container (issue 16): JAVA_TOOL_OPTIONS sizes the heap as a share
 * of the container's memory limit (-XX:MaxRAMPercentage, which the JVM applies to the cgroup limit)
 * and direct buffers from {@code resources.limits.memory} (-XX:MaxDirectMemorySize), so heap and
 * direct memory together leave room in the limit for the JVM's own memory and ONNX Runtime's.
 * Rendered with {@code helm template}.
 */
class ChartMemoryIT {
  private static final List<String> COMPONENTS =
      List.of("gateway", "text-encoder", "vision-encoder", "fusion", "gallery");

  /** What a JVM needs outside heap and direct buffers at least: classes, JIT code, threads. */
  private static final long NON_HEAP_FLOOR_MIB = 128;

  private static Helm helm;

  @BeforeAll
  static void findHelm() {
    helm = Helm.offline(Path.of("target/helm-home").toAbsolutePath());
  }

  private static Manifest render(Values values) {
    return helm.template(ChartRenderingIT.RELEASE, ChartRenderingIT.NAMESPACE, values);
  }

  @Test
  void defaults_sizeHeapAndDirectMemoryFromTheLimit_leavingRoomForTheRest() {
    Manifest manifest = render(Values.DEFAULTS);
    for (String component : COMPONENTS) {
      Map<String, Object> container = container(manifest, component);
      long limitMiB = mebibytes(ChartRenderingIT.at(container, "resources", "limits", "memory"));
      long requestMiB =
          mebibytes(ChartRenderingIT.at(container, "resources", "requests", "memory"));
      List<String> flags = javaToolOptions(container);
      double heapMiB =
          limitMiB * Double.parseDouble(flag(flags, "-XX:MaxRAMPercentage=", component)) / 100;
      long directMiB = directMiB(flags, component);
      String sizes =
          component
              + ": heap "
              + heapMiB
              + " MiB and direct "
              + directMiB
              + " MiB, limit "
              + limitMiB
              + " MiB, request "
              + requestMiB
              + " MiB";
      assertTrue(limitMiB - heapMiB - directMiB >= NON_HEAP_FLOOR_MIB, sizes);
      assertTrue(
          requestMiB >= heapMiB + directMiB + NON_HEAP_FLOOR_MIB,
          sizes + ": the pod must be promised what its JVM may take");
    }
  }

  @Test
  void defaults_runTheSerialCollectorOnTheSmallHeaps() {
    Manifest manifest = render(Values.DEFAULTS);
    for (String component : List.of("gateway", "text-encoder", "vision-encoder", "fusion")) {
      assertTrue(
          javaToolOptions(container(manifest, component)).contains("-XX:+UseSerialGC"), component);
    }
  }

  @Test
  void directMemory_followsTheLimit_inEveryQuantityForm() {
    assertEquals(153, directMiB("1Gi"), "15 % of 1024 MiB, rounded down");
    assertEquals(230, directMiB("1.5Gi"));
    assertEquals(142, directMiB("1G"), "15 % of 953 MiB, rounded down");
    assertEquals(153, directMiB("1073741824"), "bytes");
  }

  @Test
  void javaOptions_comeAfterTheMemoryFlags_soTheyWin() {
    Manifest manifest =
        render(Values.DEFAULTS.set("fusion.javaOptions=-XX:MaxRAMPercentage=30 -Xss512k"));

    List<String> flags = javaToolOptions(container(manifest, "fusion"));
    assertEquals(
        List.of(
            "-XX:MaxRAMPercentage=50",
            "-XX:MaxDirectMemorySize=38m",
            "-XX:MaxRAMPercentage=30",
            "-Xss512k"),
        flags);
  }

  @Test
  void withoutAMemoryLimit_directMemoryIsLeftToTheJvm() {
    Manifest manifest = render(Values.DEFAULTS.set("gateway.resources.limits=null"));

    List<String> flags = javaToolOptions(container(manifest, "gateway"));
    assertTrue(flags.contains("-XX:MaxRAMPercentage=45"), flags::toString);
    assertFalse(
        flags.stream().anyMatch(f -> f.startsWith("-XX:MaxDirectMemorySize")), flags::toString);
  }

  private static long directMiB(String visionLimit) {
    Manifest manifest =
        render(Values.DEFAULTS.set("visionEncoder.resources.limits.memory=" + visionLimit));
    return directMiB(javaToolOptions(container(manifest, "vision-encoder")), visionLimit);
  }

  private static long directMiB(List<String> flags, String what) {
    String value = flag(flags, "-XX:MaxDirectMemorySize=", what);
    assertTrue(value.endsWith("m"), what + ": " + value);
    return Long.parseLong(value.substring(0, value.length() - 1));
  }

  private static String flag(List<String> flags, String prefix, String what) {
    return flags.stream()
        .filter(f -> f.startsWith(prefix))
        .findFirst()
        .map(f -> f.substring(prefix.length()))
        .orElseThrow(() -> new AssertionError(what + ": no " + prefix + " in " + flags));
  }

  private static Map<String, Object> container(Manifest manifest, String component) {
    if (component.equals("gallery")) {
      KubeObject set = manifest.get("StatefulSet", ChartRenderingIT.RELEASE + "-gallery");
      return ChartRenderingIT.onlyContainer(new KubeObject(set.map("spec", "template")));
    }
    return ChartRenderingIT.onlyContainer(ChartRenderingIT.podTemplate(manifest, component));
  }

  private static List<String> javaToolOptions(Map<String, Object> container) {
    for (Object each : new KubeObject(container).list("env")) {
      Map<?, ?> variable = (Map<?, ?>) each;
      if ("JAVA_TOOL_OPTIONS".equals(variable.get("name"))) {
        return Arrays.asList(variable.get("value").toString().trim().split("\\s+"));
      }
    }
    throw new AssertionError("no JAVA_TOOL_OPTIONS in " + container.get("env"));
  }

  /** MiB of a quantity as the chart's defaults write it (Mi or Gi). */
  private static long mebibytes(Object quantity) {
    String text = quantity.toString();
    if (text.endsWith("Gi")) {
      return Math.round(Double.parseDouble(text.substring(0, text.length() - 2)) * 1024);
    }
    assertTrue(text.endsWith("Mi"), () -> "expected Mi or Gi: " + text);
    return Long.parseLong(text.substring(0, text.length() - 2));
  }
}
