package io.mmserve.inference.pack;

/** Which of an encoder's model files to run. */
public enum ModelPrecision {
  /** The full-precision model ({@code file}). */
  FP32,
  /** The quantised model ({@code int8_file}), where the pack has one. */
  INT8
}
