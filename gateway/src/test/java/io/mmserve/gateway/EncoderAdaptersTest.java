package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.mmserve.api.v1.Image;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.kit.errors.BackendUnavailableException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a caller's response is cut out of batch responses, and how batch requests are made. */
class EncoderAdaptersTest {
  private final EncoderAdapters.Text text = new EncoderAdapters.Text();
  private final EncoderAdapters.Vision vision = new EncoderAdapters.Vision();

  @Test
  void textGather_takesEachRowFromItsResponseWithFeaturesMaskAndFlags() {
    EncodeTextResponse first = textResponse("1.0.0", new float[][] {{1, 1}, {2, 2}}, -1);
    EncodeTextResponse second = textResponse("1.0.0", new float[][] {{3, 3}, {4, 4}}, 1);

    EncodeTextResponse gathered = text.gather(List.of(second, first), new int[] {1, 0});

    assertArrayEquals(new float[] {4, 4, 1, 1}, FakeFusion.floats(gathered.getEmbeddings()));
    assertEquals(List.of(2L, 2L), gathered.getEmbeddings().getShapeList());
    assertArrayEquals(
        new float[] {4, 4, 0, 0, 1, 1, 0, 0}, FakeFusion.floats(gathered.getTokenFeatures()));
    assertEquals(List.of(2L, 2L), gathered.getAttentionMask().getShapeList());
    assertEquals(List.of(true, false), gathered.getTruncatedList());
    assertEquals(List.of(21, 20), gathered.getTokenCountsList());
    assertEquals("1.0.0", gathered.getModelVersion());
  }

  @Test
  void textGather_refusesRowsOfDifferentModelVersions() {
    EncodeTextResponse before = textResponse("1.0.0", new float[][] {{1, 1}}, -1);
    EncodeTextResponse after = textResponse("1.0.1", new float[][] {{2, 2}}, -1);

    BackendUnavailableException e =
        assertThrows(
            BackendUnavailableException.class,
            () -> text.gather(List.of(before, after), new int[] {0, 0}));

    assertTrue(e.getMessage().contains("1.0.0, 1.0.1"), e::getMessage);
  }

  @Test
  void visionGather_takesEachRowWithItsPatchFeatures() {
    EncodeImageResponse response =
        EncodeImageResponse.newBuilder()
            .setModel("m")
            .setModelVersion("v")
            .setEmbeddings(FakeTextEncoder.tensor(new float[][] {{1, 1}, {2, 2}, {3, 3}}, 2))
            .setPatchFeatures(FakeTextEncoder.features(new float[][] {{1, 1}, {2, 2}, {3, 3}}, 2))
            .build();

    EncodeImageResponse gathered = vision.gather(List.of(response, response), new int[] {2, 1});

    assertArrayEquals(new float[] {3, 3, 2, 2}, FakeFusion.floats(gathered.getEmbeddings()));
    assertArrayEquals(
        new float[] {3, 3, 0, 0, 2, 2, 0, 0}, FakeFusion.floats(gathered.getPatchFeatures()));
  }

  @Test
  void textRequest_carriesTheKeyTheTextsAndTheRequestIds() {
    EncodeTextRequest request =
        text.request(new EncoderBatching.Key("m@1", false, true), List.of("a", "b"), "r1,r2");

    assertEquals("m@1", request.getModel());
    assertFalse(request.getNormalize());
    assertTrue(request.getIncludeFeatures());
    assertEquals(List.of("a", "b"), request.getTextsList());
    assertEquals("r1,r2", request.getRequestId());
  }

  @Test
  void key_differsByModelNormalisationAndFeatures() {
    EncodeImageRequest plain = EncodeImageRequest.newBuilder().setModel("m").build();

    assertEquals(vision.key(plain), vision.key(plain.toBuilder().setRequestId("other").build()));
    assertFalse(vision.key(plain).equals(vision.key(plain.toBuilder().setModel("n").build())));
    assertFalse(vision.key(plain).equals(vision.key(plain.toBuilder().setNormalize(true).build())));
    assertFalse(
        vision.key(plain).equals(vision.key(plain.toBuilder().setIncludeFeatures(true).build())));
  }

  @Test
  void bytes_growWithTheItem() {
    Image small = Image.newBuilder().setEncoded(ByteString.copyFrom(new byte[10])).build();
    Image large = Image.newBuilder().setEncoded(ByteString.copyFrom(new byte[1000])).build();

    assertTrue(vision.bytes(large) - vision.bytes(small) >= 990);
    assertTrue(text.bytes("a much longer text") > text.bytes("short"));
  }

  /** Rows with token features, a mask, token counts 10 x rows + row, and one truncated row. */
  private static EncodeTextResponse textResponse(String version, float[][] rows, int truncated) {
    EncodeTextResponse.Builder response =
        EncodeTextResponse.newBuilder()
            .setModel("m")
            .setModelVersion(version)
            .setEmbeddings(FakeTextEncoder.tensor(rows, rows[0].length))
            .setTokenFeatures(FakeTextEncoder.features(rows, 2))
            .setAttentionMask(FakeTextEncoder.tensor(new float[rows.length][2], 2));
    for (int i = 0; i < rows.length; i++) {
      response.addTruncated(i == truncated);
      response.addTokenCounts(10 * rows.length + i);
    }
    return response.build();
  }
}
