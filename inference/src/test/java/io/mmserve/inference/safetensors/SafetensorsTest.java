package io.mmserve.inference.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.inference.safetensors.Safetensors.FloatTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafetensorsTest {
  /** A file with this header and these floats as its data section. */
  private static ByteBuffer file(String header, float... data) {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer out =
        ByteBuffer.allocate(8 + json.length + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(json.length).put(json);
    for (float f : data) {
      out.putFloat(f);
    }
    return out.flip();
  }

  @Test
  void parse_readsShapesAndValuesInHeaderOrder() throws Exception {
    Map<String, FloatTensor> tensors =
        Safetensors.parse(
            file(
                "{\"__metadata__\":{\"name\":\"x\"},"
                    + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[4,20]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                9f,
                1f,
                2f,
                3f,
                4f));

    assertEquals(List.of("w", "b"), List.copyOf(tensors.keySet()));
    assertArrayEquals(new long[] {2, 2}, tensors.get("w").shape());
    assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, tensors.get("w").values());
    assertArrayEquals(new float[] {9f}, tensors.get("b").values());
  }

  @Test
  void parse_rejectsNonF32Dtype() {
    SafetensorsException e =
        assertThrows(
            SafetensorsException.class,
            () ->
                Safetensors.parse(
                    file("{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 0f)));
    assertTrue(e.getMessage().contains("tensor 'h' has dtype F16"), e.getMessage());
  }

  @Test
  void parse_rejectsShapeWithMoreElementsThanAnArrayHolds() {
    // found by SafetensorsFuzzTest: an ArithmeticException escaped the reader
    SafetensorsException e =
        assertThrows(
            SafetensorsException.class,
            () ->
                Safetensors.parse(
                    file(
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                            + "\"data_offsets\":[0,4]}}",
                        1f)));
    assertEquals(
        "tensor 'w' has shape [4294967296, 4294967296], more than 2147483639 elements",
        e.getMessage());
  }

  @Test
  void parse_rejectsDtypeThatIsNotAString() {
    SafetensorsException e =
        assertThrows(
            SafetensorsException.class,
            () ->
                Safetensors.parse(
                    file("{\"w\":{\"dtype\":[1],\"shape\":[1],\"data_offsets\":[0,4]}}", 1f)));
    assertEquals("tensor 'w' has dtype [1]; only F32 tensors are supported", e.getMessage());
  }

  @Test
  void parse_rejectsOffsetsPastTheData() {
    SafetensorsException e =
        assertThrows(
            SafetensorsException.class,
            () ->
                Safetensors.parse(
                    file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 1f)));
    assertTrue(e.getMessage().contains("data_offsets [0, 8]"), e.getMessage());
  }

  @Test
  void parse_rejectsShapeThatDisagreesWithOffsets() {
    SafetensorsException e =
        assertThrows(
            SafetensorsException.class,
            () ->
                Safetensors.parse(
                    file(
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                        1f,
                        2f)));
    assertTrue(e.getMessage().contains("has shape [3] (12 bytes)"), e.getMessage());
  }

  @Test
  void parse_rejectsHeaderLongerThanTheFile() {
    ByteBuffer bad = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(100);
    SafetensorsException e =
        assertThrows(SafetensorsException.class, () -> Safetensors.parse(bad.flip()));
    assertTrue(e.getMessage().contains("runs past the end of the file"), e.getMessage());
  }

  @Test
  void parse_rejectsFileShorterThanTheLength() {
    assertThrows(SafetensorsException.class, () -> Safetensors.parse(ByteBuffer.allocate(3)));
  }

  @Test
  void parse_rejectsHeaderThatIsNotJson() {
    SafetensorsException e =
        assertThrows(SafetensorsException.class, () -> Safetensors.parse(file("{nope")));
    assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
  }
}
