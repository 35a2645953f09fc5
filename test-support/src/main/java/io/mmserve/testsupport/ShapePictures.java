package io.mmserve.testsupport;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Pictures like the shapes-clip pack's training scenes (models/mmshapes/data.py): one shape on a
 * light background, in the pack's colours, drawn at 4x and saved as a 64x64 PNG. The bundled model
 * tells these colours and shapes apart, so tests can search for "a red circle" and know the answer.
 */
public final class ShapePictures {
  /** The pack's colours on a light background (data.py's COLORS without white and black). */
  public static final Map<String, Color> COLOURS =
      Map.of(
          "red", new Color(215, 35, 35),
          "green", new Color(35, 165, 55),
          "blue", new Color(35, 75, 215),
          "yellow", new Color(235, 210, 35),
          "purple", new Color(135, 55, 175),
          "orange", new Color(245, 135, 25));

  /** data.py's SHAPES. */
  public static final List<String> SHAPES = List.of("circle", "square", "triangle", "star");

  /** data.py's radius of a large shape, as a fraction of the side. */
  public static final double LARGE = 0.2;

  /** data.py's radius of a small shape, as a fraction of the side. */
  public static final double SMALL = 0.11;

  private static final int SIZE = 64;
  private static final int SUPERSAMPLE = 4;

  private ShapePictures() {}

  /** A PNG of a large {@code colour} {@code shape} in the centre. */
  public static byte[] png(String colour, String shape) {
    return png(colour, shape, LARGE, 0.5, 0.5);
  }

  /**
   * A PNG of a {@code colour} (a key of {@link #COLOURS}) {@code shape} (one of {@link #SHAPES}).
   *
   * @param radius the shape's radius as a fraction of the side ({@link #LARGE}, {@link #SMALL})
   * @param x its centre's x as a fraction of the side (data.py: 0.27 left, 0.5, 0.73 right)
   * @param y its centre's y as a fraction of the side (0.27 top, 0.5, 0.73 bottom)
   * @throws IllegalArgumentException for an unknown colour or shape
   */
  public static byte[] png(String colour, String shape, double radius, double x, double y) {
    Color fill = COLOURS.get(colour);
    if (fill == null) {
      throw new IllegalArgumentException("unknown colour " + colour + ", not one of " + COLOURS);
    }
    int side = SIZE * SUPERSAMPLE;
    BufferedImage big = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = big.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(new Color(212, 210, 214));
    g.fillRect(0, 0, side, side);
    g.setColor(fill);
    double cx = x * side;
    double cy = y * side;
    double r = radius * side;
    g.fill(
        switch (shape) {
          case "circle" -> new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
          case "square" ->
              polygon(cx, cy, new double[][] {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}}, 0.85 * r);
          case "triangle" -> triangle(cx, cy, r);
          case "star" -> star(cx, cy, r);
          default -> throw new IllegalArgumentException("unknown shape " + shape);
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
    return png.toByteArray();
  }

  private static Path2D polygon(double cx, double cy, double[][] points, double scale) {
    Path2D.Double p = new Path2D.Double();
    p.moveTo(cx + points[0][0] * scale, cy + points[0][1] * scale);
    for (int i = 1; i < points.length; i++) {
      p.lineTo(cx + points[i][0] * scale, cy + points[i][1] * scale);
    }
    p.closePath();
    return p;
  }

  private static Path2D triangle(double cx, double cy, double r) {
    double big = r * 1.12;
    double[][] points = new double[3][];
    for (int k = 0; k < 3; k++) {
      double a = 2 * Math.PI * k / 3;
      points[k] = new double[] {Math.sin(a), -Math.cos(a) + 0.18};
    }
    return polygon(cx, cy, points, big);
  }

  private static Path2D star(double cx, double cy, double r) {
    double[][] points = new double[10][];
    for (int k = 0; k < 10; k++) {
      double radius = k % 2 == 0 ? 1.1 : 0.45;
      double a = Math.PI * k / 5;
      points[k] = new double[] {radius * Math.sin(a), -radius * Math.cos(a)};
    }
    return polygon(cx, cy, points, r);
  }
}
