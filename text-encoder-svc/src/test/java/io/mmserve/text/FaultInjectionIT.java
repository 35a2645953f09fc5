package io.mmserve.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.testsupport.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real service jar with two versions of the bundled model (the second made by
 * models/int8-version.sh): fault injection is off by default, and when on it fails the configured
 * share of one version's calls with the configured code, and no call of the other version.
 */
class FaultInjectionIT {
  private static final String CANARY = "1.1.0-int8";
  private static final double SHARE = 0.3;

  private static Path canaryPack() throws Exception {
    Path pack = Path.of("target", "canary-pack", "shapes-clip-" + CANARY).toAbsolutePath();
    Files.createDirectories(pack.getParent());
    Process script =
        new ProcessBuilder(
                ReferencePack.repoRoot().resolve("models/int8-version.sh").toString(),
                pack.toString())
            .redirectErrorStream(true)
            .redirectOutput(pack.getParent().resolve("int8-version.log").toFile())
            .start();
    assertTrue(script.waitFor(2, TimeUnit.MINUTES), "int8-version.sh did not end");
    assertEquals(
        0, script.exitValue(), Files.readString(pack.getParent().resolve("int8-version.log")));
    return pack;
  }

  private static ServiceProcess start(String name, String... more) throws Exception {
    List<String> flags =
        new java.util.ArrayList<>(
            List.of(
                "--onnxruntime.intra-op-threads=1",
                "--model.packs=" + ReferencePack.dir() + "," + canaryPack(),
                "--djl.cache-dir=" + Path.of("target", "djl-cache-it").toAbsolutePath()));
    flags.addAll(List.of(more));
    return ServiceProcess.start("text-encoder-svc", name, flags.toArray(String[]::new));
  }

  /** How many of {@code n} calls of {@code model} fail; each failure must be an injected one. */
  private static int failures(ServiceProcess service, String model, int n, Status.Code code) {
    int failed = 0;
    for (int i = 0; i < n; i++) {
      try {
        String version =
            TextEncoderGrpc.newBlockingStub(service.channel())
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .encodeText(
                    EncodeTextRequest.newBuilder().setModel(model).addTexts("a red circle").build())
                .getModelVersion();
        assertEquals(model.substring(model.indexOf('@') + 1), version);
      } catch (StatusRuntimeException e) {
        assertEquals(code, e.getStatus().getCode(), e.toString());
        assertTrue(e.getStatus().getDescription().contains("fault injected"), e.toString());
        failed++;
      }
    }
    return failed;
  }

  @Test
  void offByDefault_noCallFails() throws Exception {
    try (ServiceProcess service = start("text-encoder-faults-off")) {
      assertEquals(0, failures(service, "shapes-clip@" + CANARY, 100, Status.Code.OK));
      assertTrue(!service.logText().contains("FAULT INJECTION IS ON"), service.logText());
    }
  }

  @Test
  void on_failsTheConfiguredShareOfOneVersion_withinABinomialBound() throws Exception {
    try (ServiceProcess service =
        start(
            "text-encoder-faults-on",
            "--fault-injection.version=" + CANARY,
            "--fault-injection.error-share=" + SHARE,
            "--fault-injection.error-code=INTERNAL")) {
      int n = 400;
      int failed = failures(service, "shapes-clip@" + CANARY, n, Status.Code.INTERNAL);
      double sigma = Math.sqrt(n * SHARE * (1 - SHARE));
      assertTrue(Math.abs(failed - n * SHARE) <= 4.5 * sigma, failed + " of " + n + " failed");

      assertEquals(0, failures(service, "shapes-clip@1.0.0", 100, Status.Code.INTERNAL));
      assertTrue(service.logText().contains("FAULT INJECTION IS ON"), service.logText());
    }
  }
}
