package io.mmserve.inference;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Element types of a {@link Tensor}, named as in model.json ("float32", "int64"). */
public enum DType {
  FLOAT32("float32", Float.BYTES),
  INT64("int64", Long.BYTES);

  private final String manifestName;
  private final int byteSize;

  DType(String manifestName, int byteSize) {
    this.manifestName = manifestName;
    this.byteSize = byteSize;
  }

  /** The name used in model.json. */
  public String manifestName() {
    return manifestName;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** The dtype named {@code name} in model.json, case-insensitive. */
  public static Optional<DType> fromManifestName(String name) {
    String wanted = name.toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(d -> d.manifestName.equals(wanted)).findFirst();
  }

  @Override
  public String toString() {
    return manifestName;
  }
}
