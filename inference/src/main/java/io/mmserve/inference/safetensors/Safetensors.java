package io.mmserve.inference.safetensors;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a safetensors file: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the data. Only F32 tensors are supported. Every byte
 * range is checked against the shape and the file size before anything is read.
 */
public final class Safetensors {
  /** The header entry holding free-form string metadata rather than a tensor. */
  public static final String METADATA = "__metadata__";

  /** Headers larger than this are refused, as the reference implementation does. */
  public static final long MAX_HEADER_BYTES = 100L << 20;

  private static final int LENGTH_BYTES = 8;
  private static final int FLOAT_BYTES = 4;

  /** The most elements one tensor may have: its floats must fit one Java array. */
  private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private Safetensors() {}

  /** A float tensor: its dimensions, outermost first, and its elements in row-major order. */
  public record FloatTensor(long[] shape, float[] values) {
    /** The shape as a list, for messages and comparisons. */
    public String shapeString() {
      return Arrays.toString(shape);
    }
  }

  /**
   * Reads every tensor of {@code file}, in header order.
   *
   * @throws SafetensorsException naming the file, the tensor and the rule it breaks
   * @throws IOException if the file cannot be read
   */
  public static Map<String, FloatTensor> read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try {
      return parse(ByteBuffer.wrap(bytes));
    } catch (SafetensorsException e) {
      throw new SafetensorsException(file + ": " + e.getMessage());
    }
  }

  /** Parses the remaining bytes of {@code file} as a safetensors file. */
  public static Map<String, FloatTensor> parse(ByteBuffer file) throws SafetensorsException {
    ByteBuffer in = file.slice().order(ByteOrder.LITTLE_ENDIAN);
    if (in.remaining() < LENGTH_BYTES) {
      throw new SafetensorsException(
          "file is " + in.remaining() + " bytes, shorter than the 8-byte header length");
    }
    long headerBytes = in.getLong(0);
    if (headerBytes < 2 || headerBytes > MAX_HEADER_BYTES) {
      throw new SafetensorsException(
          "header length " + headerBytes + " must be in 2.." + MAX_HEADER_BYTES);
    }
    if (headerBytes > in.remaining() - LENGTH_BYTES) {
      throw new SafetensorsException(
          "header length "
              + headerBytes
              + " runs past the end of the file ("
              + in.remaining()
              + " bytes)");
    }
    byte[] json = new byte[(int) headerBytes];
    in.get(LENGTH_BYTES, json);
    JsonObject header = parseHeader(new String(json, StandardCharsets.UTF_8));
    ByteBuffer data =
        in.slice(
                LENGTH_BYTES + (int) headerBytes, in.remaining() - LENGTH_BYTES - (int) headerBytes)
            .order(ByteOrder.LITTLE_ENDIAN);
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
      if (!entry.getKey().equals(METADATA)) {
        tensors.put(entry.getKey(), tensor(entry.getKey(), entry.getValue(), data));
      }
    }
    return tensors;
  }

  private static JsonObject parseHeader(String json) throws SafetensorsException {
    try {
      JsonElement parsed = JsonParser.parseString(json);
      if (!parsed.isJsonObject()) {
        throw new SafetensorsException("header must be a JSON object");
      }
      return parsed.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new SafetensorsException("header is not valid JSON: " + e.getMessage());
    }
  }

  private static FloatTensor tensor(String name, JsonElement element, ByteBuffer data)
      throws SafetensorsException {
    String where = "tensor '" + name + "'";
    if (!element.isJsonObject()) {
      throw new SafetensorsException(where + " must be a JSON object");
    }
    JsonObject entry = element.getAsJsonObject();
    JsonElement dtypeElement = entry.get("dtype");
    String dtype =
        dtypeElement == null
            ? "(none)"
            : dtypeElement.isJsonPrimitive() ? dtypeElement.getAsString() : dtypeElement.toString();
    if (!dtype.equals("F32")) {
      throw new SafetensorsException(
          where + " has dtype " + dtype + "; only F32 tensors are supported");
    }
    long[] shape = longs(where + " shape", entry.get("shape"), -1);
    long[] offsets = longs(where + " data_offsets", entry.get("data_offsets"), 2);
    long count = elementCount(where, shape);
    long begin = offsets[0];
    long end = offsets[1];
    if (begin > end || end > data.remaining()) {
      throw new SafetensorsException(
          where
              + " data_offsets ["
              + begin
              + ", "
              + end
              + "] must satisfy begin <= end <= "
              + data.remaining()
              + " (the data section's size)");
    }
    if (end - begin != count * FLOAT_BYTES) {
      throw new SafetensorsException(
          where
              + " has shape "
              + Arrays.toString(shape)
              + " ("
              + count * FLOAT_BYTES
              + " bytes) but data_offsets span "
              + (end - begin)
              + " bytes");
    }
    float[] values = new float[(int) count];
    data.slice((int) begin, (int) (end - begin))
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(values);
    return new FloatTensor(shape, values);
  }

  /**
   * The number of elements of {@code shape}, refused when the data of so many floats could not be
   * held in one Java array (a header may claim any shape; the data section is smaller still).
   */
  private static long elementCount(String where, long[] shape) throws SafetensorsException {
    long count = 1;
    for (long dim : shape) {
      if (dim != 0 && count > MAX_ELEMENTS / dim) {
        throw new SafetensorsException(
            where
                + " has shape "
                + Arrays.toString(shape)
                + ", more than "
                + MAX_ELEMENTS
                + " elements");
      }
      count *= dim;
    }
    return count;
  }

  /** A JSON array of non-negative integers; {@code length} -1 accepts any length. */
  private static long[] longs(String where, JsonElement element, int length)
      throws SafetensorsException {
    if (element == null || !element.isJsonArray()) {
      throw new SafetensorsException(where + " must be an array of integers");
    }
    var array = element.getAsJsonArray();
    if (length >= 0 && array.size() != length) {
      throw new SafetensorsException(
          where + " must hold " + length + " integers, but held " + array.size());
    }
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) {
      JsonElement e = array.get(i);
      long value;
      try {
        value = e.getAsBigDecimal().longValueExact();
      } catch (RuntimeException ex) {
        throw new SafetensorsException(where + "[" + i + "] must be an integer, but was " + e);
      }
      if (value < 0) {
        throw new SafetensorsException(where + "[" + i + "] must be >= 0, but was " + value);
      }
      out[i] = value;
    }
    return out;
  }
}
