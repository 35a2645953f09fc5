package io.mmserve.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.fusion.v1.FusionGrpc;
import io.mmserve.fusion.v1.MatchFeaturesResponse;
import io.mmserve.testsupport.Npy;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.testsupport.ServiceProcess;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Starts the real service jar as its own process on free ports, with the JVM option that {@code
 * ./mmserve up} gives it (the Vector API module, through the launcher's JDK_JAVA_OPTIONS), calls it
 * over a real channel, and stops it with SIGTERM.
 */
class FusionServerIT {
  private static final long CALL_TIMEOUT_SECONDS = 60;
  private static final long GRACE_SECONDS = 5;
  private static final List<String> WITH_VECTOR_MODULE =
      List.of("env", "JDK_JAVA_OPTIONS=--add-modules=jdk.incubator.vector");

  @Test
  void server_servesMatchOverNettyAndExitsCleanlyOnSigterm() throws Exception {
    Path jar =
        Path.of(System.getProperty(ServiceProcess.JAR_PROPERTY, "target/fusion-svc.jar"))
            .toAbsolutePath();
    try (ServiceProcess service =
        ServiceProcess.startJarIn(
            WITH_VECTOR_MODULE,
            "127.0.0.1",
            jar,
            "fusion-svc-it",
            "--shutdown.grace=" + GRACE_SECONDS + "s",
            "--match.threads=2",
            "--model.packs=" + ReferencePack.dir())) {
      assertTrue(
          service.logText().contains("match head: Vector API kernels"),
          "the start-up log names the Vector API kernels:\n" + service.logText());
      int image = 3;
      MatchFeaturesResponse response =
          FusionGrpc.newBlockingStub(service.channel())
              .withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .matchFeatures(FusionServiceTest.matchImageAgainstCaptions(image).build());
      Npy.Array golden = ReferencePack.array("match_probability");
      int captions = (int) golden.shape()[1];
      float[] expected =
          Arrays.copyOfRange(golden.floats(), image * captions, (image + 1) * captions);
      float[] actual = FusionServiceTest.values(response.getProbabilities());
      assertEquals(captions, actual.length);
      for (int c = 0; c < captions; c++) {
        assertEquals(expected[c], actual[c], 1e-4, "match probability of caption " + c);
      }

      int exitCode = service.terminate(GRACE_SECONDS + 30);

      assertEquals(0, exitCode, "exit status after SIGTERM; output:\n" + service.logText());
    }
  }
}
