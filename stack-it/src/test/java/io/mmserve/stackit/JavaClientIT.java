package io.mmserve.stackit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.Image;
import io.mmserve.client.FieldViolation;
import io.mmserve.client.Images;
import io.mmserve.client.MmserveClient;
import io.mmserve.client.MmserveException;
import io.mmserve.client.example.Quickstart;
import io.mmserve.testsupport.LocalStackProcess;
import io.mmserve.testsupport.ShapePictures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java client (clients/java, artifact mmserve-client) and its example against the stack. */
class JavaClientIT {
  private static final List<String> LABELS = List.of("red circle", "blue square", "green triangle");

  private static LocalStackProcess stack;
  private static MmserveClient client;

  @BeforeAll
  static void startStack() throws Exception {
    stack = LocalStackProcess.start(Path.of("target/java-client-it"), List.of(), Map.of());
    client = MmserveClient.connect(stack.gatewayTarget());
  }

  @AfterAll
  static void stopStack() throws InterruptedException {
    if (client != null) {
      client.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void embedTexts_returnsUnitVectorsOfOneSize() {
    float[][] vectors = client.embedTexts(List.of("a red circle", "a blue square"));

    assertEquals(2, vectors.length);
    assertEquals(vectors[0].length, vectors[1].length);
    for (float[] v : vectors) {
      double norm = 0;
      for (float x : v) {
        norm += x * x;
      }
      assertEquals(1.0, Math.sqrt(norm), 1e-4);
    }
  }

  @Test
  void classify_picksTheShapeInThePicture() {
    ClassifyResponse response =
        client.classify(
            ClassifyRequest.newBuilder()
                .addImages(Images.encoded(ShapePictures.png("red", "circle")))
                .addImages(Images.encoded(ShapePictures.png("blue", "square")))
                .addAllLabels(LABELS)
                .setPromptTemplate("a {}")
                .build());

    assertEquals("red circle", response.getClassifications(0).getScores(0).getLabel());
    assertEquals("blue square", response.getClassifications(1).getScores(0).getLabel());
  }

  @Test
  void invalidRequest_throwsMmserveExceptionNamingTheField() {
    Image picture = Images.encoded(ShapePictures.png("red", "circle"));

    MmserveException e =
        assertThrows(
            MmserveException.class,
            () -> client.classify(List.of(picture), List.of("red circle", "")));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
    FieldViolation violation = e.violation("labels[1]").orElseThrow(() -> e);
    assertTrue(violation.description().contains("empty"), violation.description());
  }

  @Test
  void quickstartExample_runsAgainstTheStack() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    int exit =
        Quickstart.run(
            stack.gatewayTarget(), Images.encoded(ShapePictures.png("red", "circle")), out);

    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(0, exit, printed);
    assertTrue(printed.contains("classify: red circle"), printed);
    assertTrue(printed.contains("invalid request: INVALID_ARGUMENT, field labels[1]"), printed);
  }
}
