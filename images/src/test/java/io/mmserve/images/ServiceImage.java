package io.mmserve.images;

import java.nio.file.Path;

/**
 * The five service images that {@code ./mvnw -Pimages package} builds, with what each must hold:
 * its main class, its two ports (docs/configuration.md), and whether it bundles the model pack.
 */
enum ServiceImage {
  GATEWAY("gateway", "io.mmserve.gateway.Main", 50051, 9091, false),
  TEXT_ENCODER("text-encoder-svc", "io.mmserve.text.Main", 50052, 9092, true),
  VISION_ENCODER("vision-encoder-svc", "io.mmserve.vision.Main", 50053, 9093, true),
  FUSION("fusion-svc", "io.mmserve.fusion.Main", 50054, 9094, true),
  GALLERY("gallery-svc", "io.mmserve.gallery.Main", 50055, 9095, false);

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

  ServiceImage(
      String module, String mainClass, int grpcPort, int adminPort, boolean bundlesModelPack) {
    this.module = module;
    this.mainClass = mainClass;
    this.grpcPort = grpcPort;
    this.adminPort = adminPort;
    this.bundlesModelPack = bundlesModelPack;
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
