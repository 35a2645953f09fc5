package io.mmserve.gallery.lucene;

/**
 * Whether this JVM lets Lucene score vectors with its Vector API kernels (HNSW graph scoring, the
 * re-rank and {@link ExactSearch}'s bulk scorer): only when the incubator module {@value #MODULE}
 * is resolved, which takes {@code --add-modules=jdk.incubator.vector} on the command line ({@code
 * mmserve up} passes it to gallery-svc). Without it Lucene falls back to its scalar loops, several
 * times slower for exact search. Stateless.
 */
public final class VectorScoring {
  /** The incubator module Lucene's vector kernels need. */
  static final String MODULE = "jdk.incubator.vector";

  private VectorScoring() {}

  /** Whether the boot layer of this JVM has resolved {@value #MODULE}. */
  public static boolean vectorApi() {
    return vectorApi(ModuleLayer.boot());
  }

  static boolean vectorApi(ModuleLayer layer) {
    return layer.findModule(MODULE).isPresent();
  }

  /** One log line saying which vector scoring this JVM gets, and how to get the fast one. */
  public static String describe(boolean vectorApi) {
    return vectorApi
        ? "vector scoring: Lucene's Vector API kernels (" + MODULE + " resolved)"
        : "vector scoring: Lucene's scalar code, several times slower: "
            + MODULE
            + " is not resolved; start the JVM with --add-modules="
            + MODULE;
  }
}
