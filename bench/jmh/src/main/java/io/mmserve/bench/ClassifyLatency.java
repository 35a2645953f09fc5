package io.mmserve.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.MultimodalGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Latency of sequential Classify calls of one image over a fixed label set, after one warm-up call
 * that fills the gateway's label-embedding cache.
 *
 * <pre>
 * java -cp bench/jmh/target/benchmarks.jar io.mmserve.bench.ClassifyLatency \
 *     TARGET IMAGE [LABELS=1000] [CALLS=50]   (-DwarmChunk=250: pre-warm the label cache in chunks)
 * </pre>
 */
public final class ClassifyLatency {
  private ClassifyLatency() {}

  public static void main(String[] args) throws Exception {
    String target = args[0];
    Path image = Path.of(args[1]);
    int labelCount = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    int calls = args.length > 3 ? Integer.parseInt(args[3]) : 50;
    List<String> labels = new ArrayList<>(labelCount);
    for (int i = 0; i < labelCount; i++) {
      labels.add("label " + i);
    }
    ClassifyRequest request =
        ClassifyRequest.newBuilder()
            .addImages(
                Image.newBuilder().setEncoded(ByteString.copyFrom(Files.readAllBytes(image))))
            .addAllLabels(labels)
            .setTopK(5)
            .build();
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(target)
            .usePlaintext()
            .maxInboundMessageSize(64 << 20)
            .build();
    try {
      MultimodalGrpc.MultimodalBlockingStub stub = MultimodalGrpc.newBlockingStub(channel);
      // The text encoder takes at most 256 texts per request and the gateway forwards a cold label
      // set
      // in one request, so fill the label cache in chunks first (-DwarmChunk labels each, 0 =
      // none).
      int chunk = Integer.parseInt(System.getProperty("warmChunk", "250"));
      for (int from = 0; chunk > 0 && from < labelCount; from += chunk) {
        stub.withDeadlineAfter(120, TimeUnit.SECONDS)
            .classify(
                request.toBuilder()
                    .clearLabels()
                    .addAllLabels(labels.subList(from, Math.min(labelCount, from + chunk)))
                    .build());
      }
      long start = System.nanoTime();
      ClassifyResponse first = stub.withDeadlineAfter(120, TimeUnit.SECONDS).classify(request);
      double warmMs = (System.nanoTime() - start) / 1e6;
      System.out.printf(
          Locale.ROOT,
          "warm-up (full label set) %.1f ms; top label: %s%n",
          warmMs,
          first.getClassifications(0));
      double[] ms = new double[calls];
      for (int i = 0; i < calls; i++) {
        long t0 = System.nanoTime();
        stub.withDeadlineAfter(60, TimeUnit.SECONDS).classify(request);
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
      Arrays.sort(ms);
      System.out.printf(
          Locale.ROOT,
          "labels=%d calls=%d p50=%.2f ms p95=%.2f ms min=%.2f ms max=%.2f ms%n",
          labelCount,
          calls,
          percentile(ms, 50),
          percentile(ms, 95),
          ms[0],
          ms[calls - 1]);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Nearest-rank percentile of sorted values. */
  private static double percentile(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
