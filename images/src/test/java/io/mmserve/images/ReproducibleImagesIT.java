package io.mmserve.images;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The images are reproducible: built again from the same inputs, in a fresh place with fresh
 * caches, they have the same digests. The base is assembled again without its cache (about a
 * minute: jlink); the four service images are built again from a copy of the sources, with fresh
 * target folders and Jib caches, by images/reproduce.sh (about two minutes).
 */
class ReproducibleImagesIT {
  @Test
  void baseImage_assembledAgainWithoutItsCache_hasTheSameDigest() throws Exception {
    Path again = ImagePaths.scratch("reproduce/base-again.tar");
    Commands.run(ImagePaths.root(), "images/base-image.sh", "--no-cache", again.toString());

    OciImage built = OciImage.unpack(ImagePaths.baseImage(), ImagePaths.scratch("unpacked/base"));
    OciImage rebuilt = OciImage.unpack(again, ImagePaths.scratch("unpacked/base-again"));
    assertEquals(built.diffIds(), rebuilt.diffIds(), "the layers' contents");
    assertEquals(built.manifestDescriptor(), rebuilt.manifestDescriptor());
  }

  @Test
  void serviceImages_builtAgainFromACopyOfTheSources_haveTheSameDigests() throws Exception {
    Path work = ImagePaths.scratch("reproduce/services");
    List<String> command = new ArrayList<>(List.of("images/reproduce.sh", work.toString()));
    for (ServiceImage image : ServiceImage.values()) {
      command.add(image.module());
    }
    Map<String, String> rebuilt = new TreeMap<>();
    for (String line : Commands.run(ImagePaths.root(), Map.of(), command).strip().split("\n")) {
      String[] moduleAndDigest = line.split(" ");
      if (moduleAndDigest.length == 2 && moduleAndDigest[1].startsWith("sha256:")) {
        rebuilt.put(moduleAndDigest[0], moduleAndDigest[1]);
      }
    }

    for (ServiceImage image : ServiceImage.values()) {
      String built = Files.readString(image.digestFile(), StandardCharsets.UTF_8).strip();
      if (!built.equals(rebuilt.get(image.module()))) {
        explainDifference(image, work.resolve("src").resolve(image.module()));
      }
      assertEquals(built, rebuilt.get(image.module()), image.module());
    }
  }

  /** Fails naming the layers (or the config) that differ between the two builds of one image. */
  private static void explainDifference(ServiceImage image, Path rebuiltModule) throws Exception {
    OciImage built =
        OciImage.unpack(image.tarball(), ImagePaths.scratch("unpacked/built-" + image.module()));
    OciImage rebuilt =
        OciImage.unpack(
            rebuiltModule.resolve("target/jib-image.tar"),
            ImagePaths.scratch("unpacked/rebuilt-" + image.module()));
    assertEquals(built.diffIds(), rebuilt.diffIds(), image.module() + ": layers in Jib's order");
    assertEquals(built.config(), rebuilt.config(), image.module() + ": config");
  }
}
