package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mmserve.api.v1.MultimodalGrpc.MultimodalBlockingStub;
import io.mmserve.api.v1.SearchHit;
import io.mmserve.api.v1.SearchRequest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * {@code index} and {@code search} against LocalStackIT's real stack: a folder of shape scenes is
 * indexed, searched by text and by image, indexed again (same ids, same size), a bad filter is
 * refused with its field violation, and the hits carry the thumbnails {@code up} turns on.
 */
final class GalleryCli {
  private final String target;
  private final MultimodalBlockingStub gateway;

  GalleryCli(String target, MultimodalBlockingStub gateway) {
    this.target = target;
    this.gateway = gateway;
  }

  /** What one CLI run printed. */
  record Run(int exit, String out, String err) {}

  Run run(String... args) throws InterruptedException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--target", target));
    int exit =
        Main.run(
            all,
            Map.of(),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The scenes as PNG files named like "red-circle.png", and a text file that is skipped. */
  static Path writeScenes(Path dir) throws IOException {
    for (String scene : GalleryRetrieval.SCENES) {
      String[] words = scene.split(" ");
      Files.write(
          dir.resolve(words[0] + "-" + words[1] + ".png"),
          ShapeScenes.scene(words[0], words[1]).getEncoded().toByteArray());
    }
    Files.writeString(dir.resolve("notes.txt"), "not an image");
    return dir;
  }

  void indexSearchReindexAndRefuseABadFilter(String collection, Path dir) throws Exception {
    writeScenes(dir);
    int n = GalleryRetrieval.SCENES.size();

    Run indexed = run("index", dir.toString(), "--collection", collection, "--batch", "2");
    assertEquals(0, indexed.exit(), indexed.err());
    assertEquals(
        "indexed "
            + n
            + " images into collection "
            + collection
            + " (now "
            + n
            + " items); skipped 1 files; failed 0\n",
        indexed.out());
    assertTrue(indexed.err().contains("skipped notes.txt: "), indexed.err());

    for (String scene : GalleryRetrieval.SCENES) {
      Run byText =
          run("search", "--collection", collection, "a " + scene, "--json", "--top-k", "3");
      assertEquals(0, byText.exit(), byText.err());
      JsonArray hits =
          JsonParser.parseString(byText.out()).getAsJsonObject().getAsJsonArray("hits");
      assertEquals(3, hits.size());
      JsonObject top = hits.get(0).getAsJsonObject();
      String file = scene.replace(' ', '-') + ".png";
      assertEquals(file, top.get("id").getAsString(), byText.out());
      assertEquals(file, top.getAsJsonObject("metadata").get("path").getAsString());
      assertEquals(
          dir.resolve(file).toUri().toString(),
          top.getAsJsonObject("metadata").get("uri").getAsString());
    }

    Run byImage =
        run(
            "search",
            "--collection",
            collection,
            "--image",
            dir.resolve("blue-square.png").toString());
    assertEquals(0, byImage.exit(), byImage.err());
    assertTrue(byImage.out().contains("\n 1. "), byImage.out());
    assertTrue(byImage.out().split("\n")[1].contains("  blue-square.png  "), byImage.out());

    Run again = run("index", dir.toString(), "--collection", collection);
    assertEquals(0, again.exit(), again.err());
    assertTrue(again.out().contains("(now " + n + " items)"), again.out());

    Run badFilter = run("search", "--collection", collection, "x", "--filter", "colour = ");
    assertEquals(1, badFilter.exit());
    assertTrue(badFilter.err().contains("Search failed: INVALID_ARGUMENT"), badFilter.err());
    assertTrue(badFilter.err().contains("\n  field filter: "), badFilter.err());

    SearchHit hit =
        gateway
            .search(
                SearchRequest.newBuilder()
                    .setCollection(collection)
                    .setText("a red circle")
                    .build())
            .getHits(0);
    BufferedImage thumbnail =
        ImageIO.read(new ByteArrayInputStream(hit.getThumbnail().toByteArray()));
    assertEquals(64, thumbnail.getWidth(), "the scenes are 64x64, smaller than 160: kept");
    assertEquals(64, thumbnail.getHeight());
  }
}
