package io.mmserve.triton;

import io.mmserve.inference.DType;
import io.mmserve.kserve.v2.DataType;
import java.util.Arrays;
import java.util.Optional;

/**
 * The KServe v2 datatypes mmserve reads and writes ("FP32", "INT64", ...), with the {@link DType}
 * each one travels as inside mmserve: floating types as FLOAT32, integer types as INT64. BYTES has
 * no tensor form; {@link RawContents} encodes and decodes it as length-prefixed elements.
 */
public enum WireType {
  FP32("FP32", 4, DType.FLOAT32, DataType.TYPE_FP32),
  FP16("FP16", 2, DType.FLOAT32, DataType.TYPE_FP16),
  INT64("INT64", 8, DType.INT64, DataType.TYPE_INT64),
  INT32("INT32", 4, DType.INT64, DataType.TYPE_INT32),
  UINT8("UINT8", 1, DType.INT64, DataType.TYPE_UINT8),
  BYTES("BYTES", -1, null, DataType.TYPE_STRING);

  private final String protocolName;
  private final int byteSize;
  private final DType dtype;
  private final DataType configType;

  WireType(String protocolName, int byteSize, DType dtype, DataType configType) {
    this.protocolName = protocolName;
    this.byteSize = byteSize;
    this.dtype = dtype;
    this.configType = configType;
  }

  /** The datatype's name in the protocol, for example "FP32". */
  public String protocolName() {
    return protocolName;
  }

  /** Bytes per element; -1 for BYTES, whose elements vary in size. */
  public int byteSize() {
    return byteSize;
  }

  /** The dtype the elements have inside mmserve; empty for BYTES. */
  public Optional<DType> dtype() {
    return Optional.ofNullable(dtype);
  }

  /** The model-configuration enum value (TYPE_FP32, ...). */
  public DataType configType() {
    return configType;
  }

  /** The wire type named {@code protocolName} ("FP32"), if mmserve supports it. */
  public static Optional<WireType> fromProtocolName(String protocolName) {
    return Arrays.stream(values()).filter(t -> t.protocolName.equals(protocolName)).findFirst();
  }

  /** The wire type mmserve sends a tensor of {@code dtype} as when the server does not say. */
  public static WireType of(DType dtype) {
    return switch (dtype) {
      case FLOAT32 -> FP32;
      case INT64 -> INT64;
    };
  }

  @Override
  public String toString() {
    return protocolName;
  }
}
