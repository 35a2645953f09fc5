package io.mmserve.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.mmserve.kit.client.GrpcChannels;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each image's layers unpacked into a root file system, as a runtime would: it holds the non-root
 * user, a writable /tmp, a Java runtime with every module the service needs, the native libraries
 * and the model pack; and the strongest check, its entrypoint started inside it (chroot, uid 65532,
 * only the image's environment) serves gRPC health and /healthz. The chart's Triton generator
 * command runs in the text-encoder-svc image the same way.
 */
class ImageRootfsIT {
  /** Model loading included; the services start in seconds here. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private static final Map<ServiceImage, OciImage> IMAGES = new EnumMap<>(ServiceImage.class);

  @BeforeAll
  static void unpackRootfs() throws Exception {
    for (ServiceImage image : ServiceImage.values()) {
      OciImage oci =
          OciImage.unpack(image.tarball(), ImagePaths.scratch("unpacked/" + image.module()));
      oci.extractLayers(rootfs(image));
      IMAGES.put(image, oci);
    }
  }

  private static Path rootfs(ServiceImage image) {
    return ImagePaths.scratch("rootfs/" + image.module());
  }

  @ParameterizedTest
  @EnumSource(ServiceImage.class)
  void rootfs_hasTheNonRootUserAndAWritableTmp(ServiceImage image) throws Exception {
    Path root = rootfs(image);

    assertTrue(
        Files.readAllLines(root.resolve("etc/passwd"))
            .contains("nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin"));
    assertTrue(Files.readAllLines(root.resolve("etc/group")).contains("nonroot:x:65532:"));
    assertEquals("1777", mode(root.resolve("tmp")), "/tmp: everyone writes, sticky");
    if (Commands.isRoot()) { // tar keeps owners only for root
      assertEquals(65532, Files.getAttribute(root.resolve("home/nonroot"), "unix:uid"));
      assertEquals(0, Files.getAttribute(root.resolve("app"), "unix:uid"), "the app is read-only");
    }
  }

  @Test
  void galleryRootfs_hasAWritableDataDirAndTheOthersNone() throws Exception {
    assertEquals("777", mode(rootfs(ServiceImage.GALLERY).resolve(ServiceImage.GALLERY_DATA)));
    for (ServiceImage other : ServiceImage.values()) {
      if (other != ServiceImage.GALLERY) {
        assertFalse(Files.exists(rootfs(other).resolve(ServiceImage.GALLERY_DATA)), other::name);
      }
    }
  }

  /**
   * Modules a service's jars refer to but load only when the runtime has them: the Vector API
   * (jdk.incubator.vector) of Lucene's scorer and of fusion-svc's match head ({@code
   * MatchKernels}), which base-image.sh leaves out because jlink does not link an incubator module
   * reproducibly; both then run their scalar code.
   */
  private static final Map<ServiceImage, Set<String>> USED_ONLY_WHEN_PRESENT =
      Map.of(
          ServiceImage.GALLERY, Set.of("jdk.incubator.vector"),
          ServiceImage.FUSION, Set.of("jdk.incubator.vector"));

  @ParameterizedTest
  @EnumSource(ServiceImage.class)
  void rootfs_javaRuntimeHasEveryModuleTheServiceNeeds(ServiceImage image) throws Exception {
    Path root = rootfs(image);
    Set<String> runtime = runtimeModules(root.resolve("opt/java/openjdk/release"));

    // the classes and, recursively, every jar they use (modular jars on the class path, so that an
    // optional module a jar names but the service never loads is not needed)
    String classPath;
    try (Stream<Path> jars = Files.list(root.resolve("app/libs"))) {
      classPath = jars.map(Path::toString).sorted().collect(Collectors.joining(":"));
    }
    List<String> jdeps =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "jdeps").toString(),
            "--multi-release",
            Integer.toString(Runtime.version().feature()),
            "--ignore-missing-deps",
            "--print-module-deps",
            "--recursive",
            "--class-path",
            classPath,
            root.resolve("app/classes").toString());
    String output = Commands.run(root, Map.of(), jdeps).strip();
    String[] lines = output.split("\n");
    Set<String> needed = new TreeSet<>(Arrays.asList(lines[lines.length - 1].split(",")));

    needed.removeAll(runtime);
    needed.removeAll(USED_ONLY_WHEN_PRESENT.getOrDefault(image, Set.of()));
    assertEquals(Set.of(), needed, "modules the service needs that the image's runtime lacks");
  }

  @ParameterizedTest
  @EnumSource(ServiceImage.class)
  void rootfs_hasTheNativeLibrariesAndTheModelPack(ServiceImage image) throws Exception {
    Path root = rootfs(image);

    assertTrue(Files.exists(root.resolve("lib/x86_64-linux-gnu/libc.so.6")));
    assertTrue(Files.exists(root.resolve("usr/lib/x86_64-linux-gnu/libstdc++.so.6")));
    assertTrue(Files.exists(root.resolve("usr/lib/x86_64-linux-gnu/libturbojpeg.so.0")));
    assertTrue(Files.exists(root.resolve("usr/lib/x86_64-linux-gnu/libwebp.so.7")));
    Path pack = root.resolve(ServiceImage.MODEL_PACK);
    if (image.bundlesModelPack()) {
      Path source = ImagePaths.root().resolve("models/shapes-clip");
      for (String file : List.of("model.json", "tokenizer.json", "fusion.safetensors")) {
        assertArrayEquals(
            Files.readAllBytes(source.resolve(file)), Files.readAllBytes(pack.resolve(file)), file);
      }
      assertFalse(Files.exists(pack.resolve("reference")), "the golden files stay out");
    } else {
      assertFalse(Files.exists(root.resolve("app/models")), image + " loads no pack");
    }
  }

  @ParameterizedTest
  @EnumSource(ServiceImage.class)
  void entrypoint_servesHealthFromTheImagesOwnRootfsAsTheNonRootUser(ServiceImage image)
      throws Exception {
    assumeTrue(
        Commands.isRoot(), "mounting /proc and chroot need root; run ./mmserve test as root");
    int grpcPort = freePort();
    int adminPort = freePort();
    Path log = ImagePaths.scratch("logs/" + image.module() + ".log");
    try (RootfsProcess service =
        RootfsProcess.start(
            rootfs(image),
            IMAGES.get(image).runConfig(),
            List.of("--grpc.port=" + grpcPort, "--admin.port=" + adminPort),
            log)) {
      ManagedChannel channel = GrpcChannels.plaintext("127.0.0.1:" + grpcPort, 4 << 20);
      // a service that dies while starting ends the wait at once
      service.process().onExit().thenRun(channel::shutdownNow);
      try {
        awaitServing(channel, service);
      } finally {
        channel.shutdownNow();
      }

      HttpResponse<String> healthz =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/healthz"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, healthz.statusCode(), service::logText);
      ProcessHandle java = service.javaProcess().orElseThrow();
      assertEquals("65532\t65532\t65532\t65532", RootfsProcess.statusField(java.pid(), "Uid"));
      assertEquals("65532\t65532\t65532\t65532", RootfsProcess.statusField(java.pid(), "Gid"));
      assertEquals("", RootfsProcess.statusField(java.pid(), "Groups"), "no supplementary groups");
      if (image == ServiceImage.GALLERY) {
        Path data = rootfs(image).resolve(ServiceImage.GALLERY_DATA).resolve("gallery");
        assertTrue(Files.isDirectory(data), "the default data.dir, created as uid 65532");
      }
      if (image == ServiceImage.VISION_ENCODER) {
        assertTrue(
            service.logText().contains("JPEG decoding: libjpeg-turbo"),
            "the image's libturbojpeg loads:\n" + service.logText());
        assertTrue(
            service.logText().contains("WebP decoding: libwebp"),
            "the image's libwebp loads:\n" + service.logText());
      }
      assertEquals(0, service.terminate(), "SIGTERM to the container's PID 1 stops it gracefully");
    }
  }

  @Test
  void textEncoderImage_runsTheTritonRepositoryGeneratorAsTheChartDoes() throws Exception {
    assumeTrue(
        Commands.isRoot(), "mounting /proc and chroot need root; run ./mmserve test as root");
    ServiceImage image = ServiceImage.TEXT_ENCODER;
    Path out = rootfs(image).resolve("tmp/model-repository");
    Commands.deleteTree(out);
    // the chart's triton.repository.generatorCommand, in an init container of this image
    List<String> command =
        List.of(
            "java",
            "-cp",
            "@/app/jib-classpath-file",
            "io.mmserve.triton.repository.GenerateRepository",
            "--pack=/app/models/shapes-clip",
            "--out=/tmp/model-repository");
    try (RootfsProcess generator =
        RootfsProcess.run(
            rootfs(image),
            IMAGES.get(image).runConfig(),
            command,
            ImagePaths.scratch("logs/generate-repository.log"))) {
      assertTrue(generator.process().waitFor(120, TimeUnit.SECONDS), generator::logText);
      assertEquals(0, generator.process().exitValue(), generator::logText);
    }
    try (Stream<Path> files = Files.walk(out)) {
      List<String> configs =
          files
              .filter(f -> f.endsWith("config.pbtxt"))
              .map(f -> out.relativize(f).toString())
              .sorted()
              .toList();
      assertFalse(configs.isEmpty(), "no config.pbtxt under " + out);
    }
    assertEquals(65532, Files.getAttribute(out, "unix:uid"), "written as the image's user");
  }

  private static void awaitServing(ManagedChannel channel, RootfsProcess service) {
    Context.CancellableContext watch = Context.current().withCancellation();
    try {
      watch.run(
          () -> {
            Iterator<HealthCheckResponse> statuses =
                HealthGrpc.newBlockingStub(channel)
                    .withWaitForReady()
                    .withDeadlineAfter(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                    .watch(HealthCheckRequest.getDefaultInstance());
            while (statuses.hasNext()) {
              if (statuses.next().getStatus() == ServingStatus.SERVING) {
                return;
              }
            }
            throw new IllegalStateException("health stream ended before SERVING");
          });
    } catch (RuntimeException e) {
      throw new AssertionError("not SERVING; its output:\n" + service.logText(), e);
    } finally {
      watch.cancel(null);
    }
  }

  private static Set<String> runtimeModules(Path release) throws IOException {
    for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
      if (line.startsWith("MODULES=")) {
        String list = line.substring("MODULES=".length()).replace("\"", "");
        return new TreeSet<>(Arrays.asList(list.split(" ")));
      }
    }
    throw new IllegalStateException("no MODULES line in " + release);
  }

  private static String mode(Path path) throws Exception {
    return Commands.run(path.getParent(), "stat", "-c", "%a", path.toString()).strip();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
