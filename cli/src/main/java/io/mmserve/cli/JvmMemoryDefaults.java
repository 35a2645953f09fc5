package io.mmserve.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The JVM memory flags {@code up} gives each service unless {@code --jvm-option} says otherwise: a
 * bounded heap, bounded direct buffers (gRPC's Netty buffers, the encoders' tensors) and the serial
 * collector. Without them a JVM sizes its heap from the machine (a quarter of its RAM) and its
 * direct memory as large again, so a busy service grows to hundreds of MB that it does not need
 * (issue 16, docs/benchmarks.md "Memory").
 *
 * <p>Each default is of one kind: heap ({@code -Xmx}, {@code -XX:MaxHeapSize=}, {@code
 * -XX:MaxRAMPercentage=}, {@code -XX:MaxRAM=}), direct memory ({@code -XX:MaxDirectMemorySize=}) or
 * collector ({@code -XX:+Use...GC}). A {@code --jvm-option} of a kind replaces that kind's default,
 * so {@code --jvm-option vision-encoder-svc=-XX:+UseG1GC} runs G1 instead of failing on two
 * collectors, and {@code -Xmx1g} is not capped by the default.
 */
final class JvmMemoryDefaults {
  /** Heap of the gateway, fusion-svc and the encoders; their working sets are a few tens of MB. */
  static final String SERVICE_HEAP = "-Xmx128m";

  /** gallery-svc holds its collections' write buffers and HNSW graph building on the heap. */
  static final String GALLERY_HEAP = "-Xmx256m";

  /** Direct buffers: fusion's and gallery's gRPC I/O. */
  static final String SERVICE_DIRECT = "-XX:MaxDirectMemorySize=64m";

  /**
   * Direct buffers of the gateway: callers' requests of whole images. Netty holds a request that is
   * still arriving in about twice its size (a 45 MB request took 103 MB), and the gateway's encoder
   * calls are written there before they are sent; with 128 MiB one request may take 42 MiB (a
   * third, {@code InboundBytes}), and the requests held at once 32 MiB.
   */
  static final String GATEWAY_DIRECT = "-XX:MaxDirectMemorySize=128m";

  /**
   * Direct buffers of the encoders: gRPC I/O plus a batch's input and output tensors (a ViT-B/32
   * batch of 32 images is 19 MB of pixels).
   */
  static final String ENCODER_DIRECT = "-XX:MaxDirectMemorySize=96m";

  /**
   * The serial collector: on a small heap its pauses are a few ms, and it needs neither the
   * remembered sets nor the GC threads of G1 (the JVM's own choice in a container with less than
   * 1792 MB or fewer than 2 CPUs).
   */
  static final String COLLECTOR = "-XX:+UseSerialGC";

  private static final Map<String, List<String>> DEFAULTS =
      Map.of(
          "gateway", List.of(SERVICE_HEAP, GATEWAY_DIRECT, COLLECTOR),
          "text-encoder-svc", List.of(SERVICE_HEAP, ENCODER_DIRECT, COLLECTOR),
          "vision-encoder-svc", List.of(SERVICE_HEAP, ENCODER_DIRECT, COLLECTOR),
          "fusion-svc", List.of(SERVICE_HEAP, SERVICE_DIRECT, COLLECTOR),
          "gallery-svc", List.of(GALLERY_HEAP, SERVICE_DIRECT, COLLECTOR));

  /** The kinds of memory flag; a flag of no kind (-Xss, -D...) replaces no default. */
  private enum Kind {
    HEAP(
        flag ->
            flag.startsWith("-Xmx")
                || flag.startsWith("-XX:MaxHeapSize=")
                || flag.startsWith("-XX:MaxRAMPercentage=")
                || flag.startsWith("-XX:MaxRAM=")),
    DIRECT(flag -> flag.startsWith("-XX:MaxDirectMemorySize=")),
    COLLECTOR(flag -> flag.matches("-XX:\\+Use[A-Za-z0-9]*GC"));

    private final Predicate<String> matches;

    Kind(Predicate<String> matches) {
      this.matches = matches;
    }

    static Kind of(String flag) {
      for (Kind kind : values()) {
        if (kind.matches.test(flag)) {
          return kind;
        }
      }
      return null;
    }
  }

  private JvmMemoryDefaults() {}

  /** {@code module}'s defaults, whatever the user asks for. */
  static List<String> of(String module) {
    return DEFAULTS.getOrDefault(module, List.of());
  }

  /**
   * The JVM options of {@code module}'s processes: its defaults, less those of a kind that {@code
   * given} (the {@code --jvm-option}s of the module) sets, then {@code given} in its order.
   */
  static List<String> merged(String module, List<String> given) {
    List<String> options = new ArrayList<>();
    for (String flag : of(module)) {
      Kind kind = Kind.of(flag);
      if (given.stream().noneMatch(g -> Kind.of(g) == kind)) {
        options.add(flag);
      }
    }
    options.addAll(given);
    return List.copyOf(options);
  }
}
