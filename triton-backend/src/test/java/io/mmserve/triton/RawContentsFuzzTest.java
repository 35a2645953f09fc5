package io.mmserve.triton;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import io.mmserve.inference.Tensor;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the KServe v2 raw-contents decoder with what a Triton answer carries: a datatype, a shape
 * and the raw bytes. Any answer is either a tensor of that shape or refused with {@link
 * IllegalArgumentException} (which the backend reports as a broken Triton answer); never another
 * exception, never a hang, and never an allocation the raw bytes do not back (a shape may claim any
 * size).
 *
 * <p>Regression inputs: {@code RawContentsFuzzTestInputs/decode/} in the test resources.
 */
class RawContentsFuzzTest {
  private static final int MAX_DIMS = 5;

  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void decode(FuzzedDataProvider data) {
    WireType wire = data.pickValue(WireType.values());
    long[] shape = new long[data.consumeInt(0, MAX_DIMS)];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = data.consumeBoolean() ? data.consumeLong(0, 64) : data.consumeLong();
    }
    ByteString raw = ByteString.copyFrom(data.consumeRemainingAsBytes());
    if (wire == WireType.BYTES) {
      decodeBytes(raw);
      return;
    }
    Tensor tensor;
    try {
      tensor = RawContents.decode(wire, shape, raw);
    } catch (IllegalArgumentException e) {
      return;
    }
    assertArrayEquals(shape, tensor.shape());
    assertEquals(raw.size(), (long) tensor.elementCount() * wire.byteSize());
  }

  private static void decodeBytes(ByteString raw) {
    List<byte[]> elements;
    try {
      elements = RawContents.decodeBytes(raw);
    } catch (IllegalArgumentException e) {
      return;
    }
    assertEquals(raw, RawContents.encodeBytes(elements));
  }
}
