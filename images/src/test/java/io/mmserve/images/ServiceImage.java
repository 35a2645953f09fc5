package io.mmserve.images;

import java.nio.file.Path;
import java.util.List;

/**
 * The five service images that {@code ./mvnw -Pimages package} builds, with what each must hold:
 * its main class, its two ports (docs/configuration.md), whether it bundles the model pack, and the
 * JVM flags its entrypoint adds to the common ones.
 */
enum ServiceImage {
  GATEWAY("gateway", "io.mmserve.gateway.Main", 50051, 9091, false),
  TEXT_ENCODER("text-encoder-svc", "io.mmserve.text.Main", 50052, 9092, true),
  VISION_ENCODER("vision-encoder-svc", "io.mmserve.vision.Main", 50053, 9093, true),
  FUSION("fusion-svc", "io.mmserve.fusion.Main", 50054, 9094, true),
  // gallery-svc's exact search and HNSW scoring use Lucene's Vector API kernels
  GALLERY(
      "gallery-svc",
      "io.mmserve.gallery.Main",
      50055,
      9095,
      false,
      "--add-modules=jdk.incubator.vector");

  /** Where the images' bundled pack is: the services' default model.packs, under /app. */
  static final String MODEL_PACK = "app/models/shapes-clip";

  /**
   * gallery-svc's writable folder in its image: the default data.dir (data/gallery) is relative to
   * the working directory /app; the chart mounts the gallery's volume here.
   */
  static final String GALLERY_DATA = "app/data";

  /** The non-root user and group every image runs as. */
  static final String USER = "65532:65532";

  private final String module;
  private final String mainClass;
  private final int grpcPort;
  private final int adminPort;
  private final boolean bundlesModelPack;
  private final List<String> extraJvmFlags;

  ServiceImage(
      String module,
      String mainClass,
      int grpcPort,
      int adminPort,
      boolean bundlesModelPack,
      String... extraJvmFlags) {
    this.module = module;
    this.mainClass = mainClass;
    this.grpcPort = grpcPort;
    this.adminPort = adminPort;
    this.bundlesModelPack = bundlesModelPack;
    this.extraJvmFlags = List.of(extraJvmFlags);
  }

  /** The flags the entrypoint passes after --enable-native-access, before the common ones. */
  List<String> extraJvmFlags() {
    return extraJvmFlags;
  }

  String module() {
    return module;
  }

  String mainClass() {
    return mainClass;
  }

  int grpcPort() {
    return grpcPort;
  }

  int adminPort() {
    return adminPort;
  }

  boolean bundlesModelPack() {
    return bundlesModelPack;
  }

  /** The image's name and tag, as Jib writes it into index.json. */
  String reference() {
    return "mmserve/" + module + ":" + System.getProperty("mmserve.image.tag");
  }

  /** The module's image tarball, written by jib:buildTar in the package phase. */
  Path tarball() {
    return ImagePaths.root().resolve(module).resolve("target/jib-image.tar");
  }

  /** The digest Jib reported for it (target/jib-image.digest). */
  Path digestFile() {
    return ImagePaths.root().resolve(module).resolve("target/jib-image.digest");
  }
}
