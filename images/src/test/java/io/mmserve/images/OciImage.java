package io.mmserve.images;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * An image tarball in the OCI image layout (oci-layout, index.json, blobs/sha256/...), unpacked
 * into a folder with the system's {@code tar}: its one manifest, its config and its layers, read as
 * a container runtime would find them. Reads only; nothing is trusted that the tests check (a blob
 * is found by its name, and {@link #sha256} says whether the name is its content's digest).
 */
final class OciImage {
  /** A blob's media type, digest ("sha256:...") and size, as a manifest describes it. */
  record Descriptor(String mediaType, String digest, long size) {
    static Descriptor of(JsonObject json) {
      return new Descriptor(
          json.get("mediaType").getAsString(),
          json.get("digest").getAsString(),
          json.get("size").getAsLong());
    }
  }

  private final Path dir;
  private final JsonObject index;
  private final Descriptor manifestDescriptor;
  private final JsonObject manifest;
  private final JsonObject config;

  private OciImage(Path dir) throws IOException {
    this.dir = dir;
    this.index = readJson(dir.resolve("index.json"));
    JsonArray manifests = index.getAsJsonArray("manifests");
    if (manifests.size() != 1) {
      throw new IllegalStateException(dir + "/index.json lists " + manifests.size() + " manifests");
    }
    this.manifestDescriptor = Descriptor.of(manifests.get(0).getAsJsonObject());
    this.manifest = readJson(blob(manifestDescriptor.digest()));
    this.config = readJson(blob(configDescriptor().digest()));
  }

  /** Unpacks {@code tarball} into {@code dir} (emptied first) and reads its index and manifest. */
  static OciImage unpack(Path tarball, Path dir) throws IOException, InterruptedException {
    Commands.deleteTree(dir);
    Files.createDirectories(dir);
    Commands.run(dir, "tar", "-xf", tarball.toString(), "-C", dir.toString());
    return new OciImage(dir);
  }

  JsonObject index() {
    return index;
  }

  Descriptor manifestDescriptor() {
    return manifestDescriptor;
  }

  JsonObject manifest() {
    return manifest;
  }

  Descriptor configDescriptor() {
    return Descriptor.of(manifest.getAsJsonObject("config"));
  }

  /** The image config's "config" part: User, Entrypoint, Env, ExposedPorts, WorkingDir. */
  JsonObject runConfig() {
    return config.getAsJsonObject("config");
  }

  JsonObject config() {
    return config;
  }

  List<Descriptor> layers() {
    List<Descriptor> layers = new ArrayList<>();
    for (JsonElement layer : manifest.getAsJsonArray("layers")) {
      layers.add(Descriptor.of(layer.getAsJsonObject()));
    }
    return layers;
  }

  /** The config's rootfs.diff_ids: the digests of the layers' uncompressed tarballs, in order. */
  List<String> diffIds() {
    List<String> ids = new ArrayList<>();
    for (JsonElement id : config.getAsJsonObject("rootfs").getAsJsonArray("diff_ids")) {
      ids.add(id.getAsString());
    }
    return ids;
  }

  /** The file of the blob named {@code digest} ("sha256:..."). */
  Path blob(String digest) {
    if (!digest.startsWith("sha256:")) {
      throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }
    return dir.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
  }

  /** The sha256 digest of the uncompressed content of gzipped layer {@code layer}. */
  String uncompressedDigest(Descriptor layer) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(blob(layer.digest())))) {
      return sha256(in);
    }
  }

  /**
   * Unpacks every layer in order into {@code rootfs} (emptied first), as a runtime builds a
   * container's root file system. Whiteout files (".wh.") are refused: these images have none.
   */
  void extractLayers(Path rootfs) throws IOException, InterruptedException {
    Commands.deleteTree(rootfs);
    Files.createDirectories(rootfs);
    boolean root = Commands.isRoot();
    for (Descriptor layer : layers()) {
      String names = Commands.run(rootfs, "tar", "-tzf", blob(layer.digest()).toString());
      if (names.contains(".wh.")) {
        throw new IllegalStateException("layer " + layer.digest() + " has whiteout files");
      }
      // the layers' owners and modes as they are (a non-root user cannot give files away)
      Commands.run(
          rootfs,
          "tar",
          root ? "--same-owner" : "--no-same-owner",
          "--same-permissions",
          "-xzf",
          blob(layer.digest()).toString(),
          "-C",
          rootfs.toString());
    }
  }

  /** "sha256:" and the hex digest of everything {@code in} holds. */
  static String sha256(InputStream in) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buffer = new byte[1 << 16];
    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
      digest.update(buffer, 0, n);
    }
    return "sha256:" + HexFormat.of().formatHex(digest.digest());
  }

  static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return sha256(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonObject readJson(Path file) throws IOException {
    return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
  }
}
