package io.mmserve.kubernetes;

/**
 * The values combinations the chart supports, each installed for real by {@link ChartInstallIT}.
 * KEDA's combination renders only where the cluster serves KEDA's ScaledObject API.
 */
enum Combination {
  /** The defaults: encoders on ONNX Runtime in-process, HPAs, discovery through EndpointSlices. */
  EMBEDDED(Values.DEFAULTS),
  /** Triton on GPU nodes; the encoders in triton mode against it. */
  TRITON_GPU(Values.DEFAULTS.set("triton.enabled=true", Combination.TRITON_IMAGE)),
  /** KEDA ScaledObjects instead of HPAs. */
  KEDA(Values.DEFAULTS.set("autoscaling.engine=keda").assumingApi(Combination.KEDA_API)),
  /** No autoscaler at all: every Deployment keeps its replicas. */
  AUTOSCALING_OFF(Values.DEFAULTS.set("autoscaling.enabled=false")),
  /** The gateway finds the replicas by DNS (no Role). */
  DNS_DISCOVERY(Values.DEFAULTS.set("discovery.mode=dns")),
  /**
   * Model packs from a PersistentVolumeClaim instead of the images, Triton's generator included.
   */
  PACKS_FROM_CLAIM(
      Values.DEFAULTS.set(
          "modelPacks.source=persistentVolumeClaim",
          "modelPacks.persistentVolumeClaim.claimName=mmserve-packs",
          "triton.enabled=true",
          Combination.TRITON_IMAGE));

  /**
   * The Triton image the tests name: the chart names no registry of its own ({@code .invalid} is a
   * reserved name; no pod runs here, so nothing pulls it).
   */
  static final String TRITON_IMAGE = "triton.image.repository=registry.invalid/nvidia/tritonserver";

  /** KEDA's ScaledObject as .Capabilities.APIVersions names it. */
  static final String KEDA_API = "keda.sh/v1alpha1/ScaledObject";

  private final Values values;

  Combination(Values values) {
    this.values = values;
  }

  Values chartValues() {
    return values;
  }

  /** A namespace (and file) name for the combination: "triton-gpu". */
  String slug() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
