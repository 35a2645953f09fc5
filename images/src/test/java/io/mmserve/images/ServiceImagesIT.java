package io.mmserve.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.mmserve.images.OciImage.Descriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a registry and a container runtime read of each service's image tarball: a valid OCI image
 * layout whose every blob is what its digest says, a config that runs the service as the non-root
 * user with its flags and ports, on the base image's two layers.
 */
class ServiceImagesIT {
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  private static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

  private static final Map<ServiceImage, OciImage> IMAGES = new EnumMap<>(ServiceImage.class);
  private static OciImage base;

  @BeforeAll
  static void unpackImages() throws Exception {
    base = OciImage.unpack(ImagePaths.baseImage(), ImagePaths.scratch("unpacked/base"));
    for (ServiceImage image : ServiceImage.values()) {
      IMAGES.put(
          image,
          OciImage.unpack(image.tarball(), ImagePaths.scratch("unpacked/" + image.module())));
    }
  }

  @Test
  void imageTag_isTheChartsAppVersion() throws Exception {
    String chart =
        Files.readString(
            ImagePaths.root().resolve("helm/mmserve/Chart.yaml"), StandardCharsets.UTF_8);
    Matcher appVersion = Pattern.compile("(?m)^appVersion: \"?([^\"\\s]+)\"?$").matcher(chart);

    assertTrue(appVersion.find(), "helm/mmserve/Chart.yaml has an appVersion");
    assertEquals(
        appVersion.group(1),
        System.getProperty("mmserve.image.tag"),
        "the images' tag is the chart's default image tag");
  }

  @ParameterizedTest
  @EnumSource(ServiceImage.class)
  void tarball_isAnOciLayoutWhoseBlobsAreWhatTheirDigestsSay(ServiceImage image) throws Exception {
    OciImage oci = IMAGES.get(image);

    JsonObject indexEntry = oci.index().getAsJsonArray("manifests").get(0).getAsJsonObject();
    assertEquals(OCI_MANIFEST, oci.manifestDescriptor().mediaType());
    assertEquals(
        image.reference(),
        indexEntry
            .getAsJsonObject("annotations")
            .get("org.opencontainers.image.ref.name")
            .getAsString());
    assertEquals(OCI_MANIFEST, oci.manifest().get("mediaType").getAsString());
    assertEquals(
        oci.manifestDescriptor().digest(),
        Files.readString(image.digestFile(), StandardCharsets.UTF_8).strip(),
        "Jib's reported digest is the manifest's");

    List<Descriptor> blobs = new ArrayList<>(List.of(oci.manifestDescriptor()));
    blobs.add(oci.configDescriptor());
    blobs.addAll(oci.layers());
    for (Descriptor blob : blobs) {
      assertEquals(blob.digest(), OciImage.sha256(oci.blob(blob.digest())), "content of " + blob);
      assertEquals(blob.size(), Files.size(oci.blob(blob.digest())), "size of " + blob);
    }
    assertEquals(OCI_CONFIG, oci.configDescriptor().mediaType());
    List<String> diffIds = oci.diffIds();
    assertEquals(oci.layers().size(), diffIds.size(), "one diff id per layer");
    for (int i = 0; i < diffIds.size(); i++) {
      Descriptor layer = oci.layers().get(i);
      assertEquals(OCI_LAYER, layer.mediaType());
      assertEquals(diffIds.get(i), oci.uncompressedDigest(layer), "diff id of layer " + i);
    }
  }

  @ParameterizedTest
  @EnumSource(ServiceImage.class)
  void config_runsTheServiceAsTheNonRootUserWithItsFlagsAndPorts(ServiceImage image)
      throws Exception {
    OciImage oci = IMAGES.get(image);
    JsonObject run = oci.runConfig();

    assertEquals(ServiceImage.USER, run.get("User").getAsString());
    assertEquals(
        List.of(
            "/opt/java/openjdk/bin/java",
            "--enable-native-access=ALL-UNNAMED",
            "-XX:+ExitOnOutOfMemoryError",
            "-cp",
            "@/app/jib-classpath-file",
            image.mainClass()),
        strings(run.get("Entrypoint")));
    assertEquals(
        Set.of(image.grpcPort() + "/tcp", image.adminPort() + "/tcp"),
        run.getAsJsonObject("ExposedPorts").keySet());
    assertEquals("/app", run.get("WorkingDir").getAsString());
    Set<String> env = new TreeSet<>(strings(run.get("Env")));
    assertTrue(env.contains("MMSERVE_GRPC_HOST=0.0.0.0"), env::toString);
    assertTrue(env.contains("MMSERVE_ADMIN_HOST=0.0.0.0"), env::toString);
    assertTrue(env.contains("ORT_DISABLE_TELEMETRY=1"), env::toString);
    assertEquals("linux", oci.config().get("os").getAsString());
    assertEquals("1970-01-01T00:00:00Z", oci.config().get("created").getAsString());
  }

  @ParameterizedTest
  @EnumSource(ServiceImage.class)
  void layers_areTheBaseImagesLayersThenTheApplications(ServiceImage image) throws Exception {
    OciImage oci = IMAGES.get(image);

    List<Descriptor> baseLayers = base.layers();
    assertEquals(2, baseLayers.size(), "the base: Debian's libraries, then the Java runtime");
    assertEquals(baseLayers, oci.layers().subList(0, baseLayers.size()));
    assertEquals(base.diffIds(), oci.diffIds().subList(0, baseLayers.size()));
    assertTrue(oci.layers().size() > baseLayers.size(), "application layers on top");
  }

  private static List<String> strings(JsonElement array) {
    List<String> values = new ArrayList<>();
    for (JsonElement element : array.getAsJsonArray()) {
      values.add(element.getAsString());
    }
    return values;
  }
}
