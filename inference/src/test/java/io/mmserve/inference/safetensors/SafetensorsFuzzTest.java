package io.mmserve.inference.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mmserve.inference.safetensors.Safetensors.FloatTensor;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the safetensors reader: any bytes are either read into tensors whose value counts match
 * their shapes, or refused with {@link SafetensorsException}; never another exception, never a
 * hang, and never an allocation the file's own size does not back (a header may claim any shape).
 *
 * <p>Regression inputs: {@code SafetensorsFuzzTestInputs/parse/} in the test resources.
 */
class SafetensorsFuzzTest {

  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void parse(byte[] file) {
    Map<String, FloatTensor> tensors;
    try {
      tensors = Safetensors.parse(ByteBuffer.wrap(file));
    } catch (SafetensorsException e) {
      return;
    }
    for (FloatTensor tensor : tensors.values()) {
      long count = 1;
      for (long dim : tensor.shape()) {
        count *= dim;
      }
      assertEquals(count, tensor.values().length, tensor.shapeString());
    }
  }
}
