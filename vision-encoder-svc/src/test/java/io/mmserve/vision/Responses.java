package io.mmserve.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.api.v1.Image;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.inference.TensorCodec;
import io.mmserve.tensor.v1.Tensor;
import java.util.Arrays;
import java.util.List;

/** Requests, response tensors and status assertions shared by the service tests. */
final class Responses {
  private Responses() {}

  static EncodeImageRequest request(List<Image> images) {
    return EncodeImageRequest.newBuilder().addAllImages(images).setNormalize(true).build();
  }

  /** The elements of a FLOAT32 wire tensor. */
  static float[] floats(Tensor tensor) {
    return TensorCodec.decode("tensor", tensor).toFloatArray();
  }

  /** Row {@code row} of {@code actual} (rows of expected.length) equals expected within tol. */
  static void assertRowClose(float[] expected, float[] actual, int row, double tolerance) {
    float[] got = Arrays.copyOfRange(actual, row * expected.length, (row + 1) * expected.length);
    assertArrayEquals(expected, got, (float) tolerance, "row " + row);
  }

  static void assertStatus(Status.Code code, String descriptionStart, StatusRuntimeException e) {
    assertEquals(code, e.getStatus().getCode(), describe(e));
    assertTrue(e.getStatus().getDescription().startsWith(descriptionStart), describe(e));
  }

  static String describe(StatusRuntimeException e) {
    return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
  }
}
