package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFilesTest {
  static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13};
  static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16};

  @TempDir Path dir;

  private void write(String name, byte[] bytes) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
  }

  @Test
  void scan_keepsImagesByNameAndSignature_andSaysWhyOthersAreSkipped() throws IOException {
    write("b.png", PNG);
    write("a.JPG", JPEG);
    write("notes.txt", "hello".getBytes());
    write("fake.png", "not a png".getBytes());
    write("sub/c.png", PNG);

    ImageFiles.Scan scan = ImageFiles.scan(dir, false);

    assertEquals(
        List.of("a.JPG", "b.png"), scan.images().stream().map(ImageFiles.Found::id).toList());
    assertEquals(dir.resolve("a.JPG"), scan.images().get(0).file());
    assertEquals(
        List.of(
            new ImageFiles.Skipped("fake.png", "named like PNG, but its first bytes are not PNG"),
            new ImageFiles.Skipped(
                "notes.txt", "not an image file name (jpg, jpeg, png, gif, bmp, webp, tif, tiff)"),
            new ImageFiles.Skipped("sub/", "a folder (add --recursive)")),
        scan.skipped());
  }

  @Test
  void scan_recursive_idsAreRelativePathsWithSlashes() throws IOException {
    write("top.png", PNG);
    write("sub/deeper/c.jpeg", JPEG);

    ImageFiles.Scan scan = ImageFiles.scan(dir, true);

    assertEquals(
        List.of("sub/deeper/c.jpeg", "top.png"),
        scan.images().stream().map(ImageFiles.Found::id).toList());
    assertEquals(List.of(), scan.skipped());
  }

  @Test
  void hasSignature_knowsEachFormat() {
    assertEquals(true, ImageFiles.hasSignature("GIF", "GIF89a".getBytes()));
    assertEquals(true, ImageFiles.hasSignature("BMP", "BM....".getBytes()));
    assertEquals(true, ImageFiles.hasSignature("WebP", "RIFF\0\0\0\0WEBPVP8 ".getBytes()));
    assertEquals(false, ImageFiles.hasSignature("WebP", "RIFF\0\0\0\0WAVEfmt ".getBytes()));
    assertEquals(true, ImageFiles.hasSignature("TIFF", new byte[] {'I', 'I', 42, 0}));
    assertEquals(true, ImageFiles.hasSignature("TIFF", new byte[] {'M', 'M', 0, 42}));
    assertEquals(false, ImageFiles.hasSignature("JPEG", new byte[] {(byte) 0xFF}));
  }
}
