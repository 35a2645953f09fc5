package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.mmserve.encoder.v1.GetProbeSetResponse;
import io.mmserve.encoder.v1.ProbeImage;
import io.mmserve.gateway.probe.GatewayProbes;
import io.mmserve.rollout.ProbeAccuracy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's rollout probes ({@link GatewayProbes}) over fake backends: the probe set comes from
 * the vision encoder's GetProbeSet of {@code model@version}, every image is classified through the
 * gateway's own Classify pinned to that version (the fake encoders give "red" images and the "red"
 * prompt the same vector), and the accuracy is the share labelled right.
 */
class GatewayProbesTest {
  private static final String PINNED = FakeVisionEncoder.MODEL + "@" + FakeVisionEncoder.VERSION;

  private InProcessGateway gateway;
  private GatewayProbes probes;

  @BeforeEach
  void start() throws Exception {
    gateway = new InProcessGateway(RequestLimits.of(16, 16), 100);
    probes = gateway.probes(Duration.ofSeconds(30), 2);
    gateway.textEncoder.vectors.put("a photo of a red", new float[] {1, 0, 0});
    gateway.textEncoder.vectors.put("a photo of a blue", new float[] {0, 1, 0});
    gateway.visionEncoder.vectors.put("red-1", new float[] {1, 0, 0});
    gateway.visionEncoder.vectors.put("red-2", new float[] {1, 0, 0});
    gateway.visionEncoder.vectors.put("blue-1", new float[] {0, 1, 0});
  }

  @AfterEach
  void stop() throws Exception {
    probes.close();
    gateway.close();
  }

  private static ProbeImage image(String bytes, String label) {
    return ProbeImage.newBuilder()
        .setFile(bytes + ".png")
        .setEncoded(ByteString.copyFrom(bytes, StandardCharsets.UTF_8))
        .setLabel(label)
        .build();
  }

  @Test
  void accuracy_classifiesTheEncodersProbeSetThroughThePinnedVersion() {
    gateway.visionEncoder.probeSet =
        GetProbeSetResponse.newBuilder()
            .setModel(FakeVisionEncoder.MODEL)
            .setModelVersion(FakeVisionEncoder.VERSION)
            .addAllLabels(List.of("red", "blue"))
            .setPromptTemplate("a photo of a {}")
            .addImages(image("red-1", "red"))
            .addImages(image("blue-1", "blue"))
            .addImages(image("red-2", "blue")) // labelled wrong: the version says red
            .build();

    ProbeAccuracy result =
        probes.runner().accuracy(FakeVisionEncoder.MODEL, FakeVisionEncoder.VERSION);

    assertEquals(OptionalDouble.of(2 / 3.0), result.accuracy(), result.detail());
    assertEquals("2 of 3 probe images classified as labelled", result.detail());
    assertEquals(List.of(PINNED), gateway.visionEncoder.probeSetRequests);
    assertEquals(PINNED, gateway.fusion.lastClassify.getModel());
  }

  @Test
  void aVersionWithoutAProbeSet_hasNoAccuracy_sayingWhy() {
    ProbeAccuracy result =
        probes.runner().accuracy(FakeVisionEncoder.MODEL, FakeVisionEncoder.VERSION);

    assertEquals(OptionalDouble.empty(), result.accuracy());
    assertTrue(
        result.detail().equals(PINNED + ": GetProbeSet failed: NOT_FOUND: no probe set"),
        result.detail());
  }
}
