package io.mmserve.text;

import static io.mmserve.text.GoldenAssertions.EMBEDDING_TOLERANCE;
import static io.mmserve.text.GoldenAssertions.assertWithin;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.testsupport.ServiceProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Starts the real service jar as its own process on free ports, calls it over a real channel, and
 * stops it with SIGTERM.
 */
class TextEncoderServerIT {
  private static final long CALL_TIMEOUT_SECONDS = 60;
  private static final long GRACE_SECONDS = 5;

  @Test
  void server_servesEncodeTextOverNettyAndExitsCleanlyOnSigterm() throws Exception {
    // the service must find its own native cache from its config (ServiceProcess drops *CACHE_DIR)
    Path cache = Path.of("target", "djl-cache-it").toAbsolutePath();
    try (ServiceProcess service =
        ServiceProcess.start(
            "text-encoder-svc",
            "text-encoder-svc-it",
            "--shutdown.grace=" + GRACE_SECONDS + "s",
            "--onnxruntime.intra-op-threads=1",
            "--model.packs=" + ReferencePack.dir(),
            "--djl.cache-dir=" + cache)) {
      List<String> captions = ReferencePack.captions();
      EncodeTextResponse response =
          TextEncoderGrpc.newBlockingStub(service.channel())
              .withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .encodeText(
                  EncodeTextRequest.newBuilder().addAllTexts(captions).setNormalize(true).build());
      assertWithin(
          EMBEDDING_TOLERANCE,
          ReferencePack.array("text_embeds").floats(),
          TextEncoderServiceTest.floats(response.getEmbeddings()),
          "embeddings");

      int exitCode = service.terminate(GRACE_SECONDS + 30);

      assertEquals(0, exitCode, "exit status after SIGTERM; output:\n" + service.logText());
    }
  }
}
