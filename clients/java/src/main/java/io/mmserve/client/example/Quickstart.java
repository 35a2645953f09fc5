package io.mmserve.client.example;

import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.ImageTextPair;
import io.mmserve.api.v1.LabelScore;
import io.mmserve.api.v1.MatchRequest;
import io.mmserve.api.v1.MatchResponse;
import io.mmserve.client.Images;
import io.mmserve.client.MmserveClient;
import io.mmserve.client.MmserveException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * mmserve's Java client in a minute: embed, classify and match against a running gateway, then show
 * the error of an invalid request.
 *
 * <pre>
 * ./mmserve up          # in another terminal
 * java -cp clients/java/target/mmserve-client-*.jar:... io.mmserve.client.example.Quickstart [TARGET [IMAGE]]
 * </pre>
 *
 * Without IMAGE it draws a red circle. Exits 1 when a call fails.
 */
public final class Quickstart {
  private static final List<String> LABELS = List.of("red circle", "blue square", "green triangle");

  private Quickstart() {}

  public static void main(String[] args) throws IOException {
    String target = args.length > 0 ? args[0] : MmserveClient.DEFAULT_TARGET;
    Image image = args.length > 1 ? Images.file(Path.of(args[1])) : Images.encoded(redCircle());
    System.exit(run(target, image, System.out));
  }

  /** Runs the calls against {@code target}, printing to {@code out}; the exit code. */
  public static int run(String target, Image image, PrintStream out) {
    try (MmserveClient client = MmserveClient.connect(target)) {
      try {
        float[][] texts = client.embedTexts(List.of("a red circle", "a blue square"));
        out.printf("text embeddings: %d x %d%n", texts.length, texts[0].length);

        ClassifyResponse classified =
            client.classify(
                ClassifyRequest.newBuilder()
                    .addImages(image)
                    .addAllLabels(LABELS)
                    .setPromptTemplate("a {}")
                    .build());
        LabelScore best = classified.getClassifications(0).getScores(0);
        out.printf("classify: %s (p=%.3f)%n", best.getLabel(), best.getProbability());

        MatchResponse matched =
            client.match(
                MatchRequest.newBuilder()
                    .addPairs(ImageTextPair.newBuilder().setImage(image).setText("a red circle"))
                    .addPairs(ImageTextPair.newBuilder().setImage(image).setText("a blue square"))
                    .build());
        out.printf(
            "match: 'a red circle' %.3f, 'a blue square' %.3f%n",
            matched.getResults(0).getProbability(), matched.getResults(1).getProbability());
      } catch (MmserveException e) {
        out.println(e.getMessage());
        return 1;
      }
      try {
        client.classify(List.of(image), List.of("red circle", ""));
        out.println("an empty label was accepted");
        return 1;
      } catch (MmserveException e) {
        String field = e.violations().isEmpty() ? "(none)" : e.violations().get(0).field();
        out.printf("invalid request: %s, field %s: %s%n", e.code(), field, e.description());
      }
    }
    out.println("quickstart: ok");
    return 0;
  }

  /** A 64x64 PNG of a red circle on a light background, like the bundled model's scenes. */
  static byte[] redCircle() throws IOException {
    BufferedImage picture = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = picture.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(new Color(212, 210, 214));
    g.fillRect(0, 0, 64, 64);
    g.setColor(new Color(215, 35, 35));
    g.fillOval(19, 19, 26, 26);
    g.dispose();
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(picture, "png", png);
    return png.toByteArray();
  }
}
