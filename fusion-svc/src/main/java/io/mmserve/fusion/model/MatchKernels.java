package io.mmserve.fusion.model;

/**
 * Which code computes the match head: the Vector API kernels when the JVM resolved the {@code
 * jdk.incubator.vector} module ({@code --add-modules=jdk.incubator.vector}, which {@code ./mmserve
 * up} and the tests pass), else the scalar loops that HotSpot's C2 vectorizes on its own. Both give
 * the same logits up to float rounding.
 */
public enum MatchKernels {
  /** {@link VectorMatchHead}: FloatVector matrix products, blocked in registers. */
  VECTOR,
  /**
   * {@link MatchHead}'s own loops; the fallback without the module, and the benchmark's baseline.
   */
  SCALAR;

  /** The module the vector kernels need. */
  public static final String VECTOR_MODULE = "jdk.incubator.vector";

  /** {@link #VECTOR} when this JVM resolved {@value #VECTOR_MODULE}, else {@link #SCALAR}. */
  public static MatchKernels available() {
    return vectorModuleResolved() ? VECTOR : SCALAR;
  }

  /** Whether this JVM's boot layer holds {@value #VECTOR_MODULE}. */
  public static boolean vectorModuleResolved() {
    return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
  }

  /** A line for the start-up log: which kernels, and how to get the vector ones. */
  public String describe() {
    return this == VECTOR
        ? "Vector API kernels (" + VECTOR_MODULE + ")"
        : "scalar kernels (start the JVM with --add-modules="
            + VECTOR_MODULE
            + " for the Vector API ones)";
  }

  /**
   * The code that computes {@code head}'s logits with these kernels.
   *
   * @throws IllegalStateException for {@link #VECTOR} when the module is not resolved
   */
  PairLogits of(MatchHead head) {
    if (this == SCALAR) {
      return head;
    }
    if (!vectorModuleResolved()) {
      throw new IllegalStateException(
          "match kernels VECTOR need the JVM option --add-modules=" + VECTOR_MODULE);
    }
    return new VectorMatchHead(head);
  }
}
