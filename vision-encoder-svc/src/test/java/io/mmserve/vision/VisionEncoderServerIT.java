package io.mmserve.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.mmserve.api.v1.Image;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.VisionEncoderGrpc;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.testsupport.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The runnable jar as a separate process, called over the network as the gateway calls it. */
class VisionEncoderServerIT {
  private static final double EMBEDDING_TOLERANCE = 1e-4;

  /** The default shutdown grace (10s) plus time for the JVM to run its hooks and exit. */
  private static final long STOP_SECONDS = 30;

  private static ServiceProcess service;

  @BeforeAll
  static void startService() throws Exception {
    service = ServiceProcess.start("vision-encoder-svc", "vision-encoder-svc-it");
  }

  @AfterAll
  static void stopService() {
    service.close();
  }

  @Test
  void encodeImage_goldenJpeg_matchesReferenceEmbedding() {
    Golden.Image jpeg = Golden.image(".jpg");

    EncodeImageResponse response = encode(service, jpeg);

    float[] expected = ReferencePack.array("image_embeds").floatRow(jpeg.index());
    float[] actual = Responses.floats(response.getEmbeddings());
    assertArrayEquals(expected, actual, (float) EMBEDDING_TOLERANCE);
  }

  @Test
  void metricsEndpoint_servesMmserveMetrics() throws Exception {
    encode(service, Golden.image(".png"));

    HttpResponse<String> metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + service.adminPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertEquals(200, metrics.statusCode());
    assertTrue(
        metrics.body().contains("mmserve_grpc_server_requests_seconds_count"), metrics.body());
    assertTrue(metrics.body().contains("mmserve_batch_size"), metrics.body());
  }

  @Test
  void sigterm_stopsGracefullyWithExitCodeZero() throws Exception {
    try (ServiceProcess own =
        ServiceProcess.start("vision-encoder-svc", "vision-encoder-svc-sigterm")) {
      int exitCode = own.terminate(STOP_SECONDS);

      assertEquals(0, exitCode, own.logText());
      String log = own.logText();
      assertTrue(log.contains("vision-encoder-svc serving on 127.0.0.1:" + own.grpcPort()), log);
      assertTrue(log.contains("vision-encoder-svc stopped"), log);
    }
  }

  private static EncodeImageResponse encode(ServiceProcess target, Golden.Image image) {
    return VisionEncoderGrpc.newBlockingStub(target.channel())
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .encodeImage(
            EncodeImageRequest.newBuilder()
                .addImages(Image.newBuilder().setEncoded(ByteString.copyFrom(image.bytes())))
                .setNormalize(true)
                .build());
  }
}
