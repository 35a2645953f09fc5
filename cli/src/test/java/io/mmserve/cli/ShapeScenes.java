package io.mmserve.cli;

import com.google.protobuf.ByteString;
import io.mmserve.api.v1.Image;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Scenes like the shapes-clip pack's training data (models/mmshapes/data.py): one large shape in
 * the centre of a light background, in the pack's colours, drawn at 4x and saved as a 64x64 PNG.
 */
final class ShapeScenes {
  private static final int SIZE = 64;
  private static final int SUPERSAMPLE = 4;

  /** The pack's colours (data.py's COLORS). */
  static final Map<String, Color> COLOURS =
      Map.of(
          "red", new Color(215, 35, 35),
          "green", new Color(35, 165, 55),
          "blue", new Color(35, 75, 215),
          "yellow", new Color(235, 210, 35),
          "purple", new Color(135, 55, 175),
          "orange", new Color(245, 135, 25));

  private ShapeScenes() {}

  /**
   * A PNG of a large {@code colour} {@code shape} (circle, square, triangle, star) in the centre.
   */
  static Image scene(String colour, String shape) {
    int side = SIZE * SUPERSAMPLE;
    BufferedImage big = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = big.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(new Color(212, 210, 214));
    g.fillRect(0, 0, side, side);
    g.setColor(COLOURS.get(colour));
    double c = side / 2.0;
    double r = 0.2 * side;
    g.fill(
        switch (shape) {
          case "circle" -> new Ellipse2D.Double(c - r, c - r, 2 * r, 2 * r);
          case "square" ->
              polygon(c, new double[][] {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}}, 0.85 * r);
          case "triangle" -> triangle(c, r);
          case "star" -> star(c, r);
          default -> throw new IllegalArgumentException(shape);
        });
    g.dispose();
    BufferedImage small = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
    Graphics2D s = small.createGraphics();
    s.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    s.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
    s.drawImage(big.getScaledInstance(SIZE, SIZE, java.awt.Image.SCALE_AREA_AVERAGING), 0, 0, null);
    s.dispose();
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    try {
      ImageIO.write(small, "png", png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Image.newBuilder().setEncoded(ByteString.copyFrom(png.toByteArray())).build();
  }

  private static Path2D polygon(double c, double[][] points, double scale) {
    Path2D.Double p = new Path2D.Double();
    p.moveTo(c + points[0][0] * scale, c + points[0][1] * scale);
    for (int i = 1; i < points.length; i++) {
      p.lineTo(c + points[i][0] * scale, c + points[i][1] * scale);
    }
    p.closePath();
    return p;
  }

  private static Path2D triangle(double c, double r) {
    double big = r * 1.12;
    double[][] points = new double[3][];
    for (int k = 0; k < 3; k++) {
      double a = 2 * Math.PI * k / 3;
      points[k] = new double[] {Math.sin(a), -Math.cos(a) + 0.18};
    }
    return polygon(c, points, big);
  }

  private static Path2D star(double c, double r) {
    double[][] points = new double[10][];
    for (int k = 0; k < 10; k++) {
      double radius = k % 2 == 0 ? 1.1 : 0.45;
      double a = Math.PI * k / 5;
      points[k] = new double[] {radius * Math.sin(a), -radius * Math.cos(a)};
    }
    return polygon(c, points, r);
  }
}
