package io.mmserve.rollout;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Channel;
import io.mmserve.api.v1.Classification;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.MultimodalGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Classifies probe images through a gateway's {@code mmserve.v1.Multimodal/Classify} pinned to
 * {@code name@version} (top 1, the probe set's labels and prompt template), so they go through that
 * version's vision and text encoders and fusion-svc as any caller's request does. The gateway gives
 * it an in-process channel to its own service; a test, a channel to a gateway's port.
 */
public final class GrpcProbeClassifier implements ProbeClassifier {
  /** The request id of probe calls, in the request log and the backends' logs. */
  public static final String REQUEST_ID = "rollout-probe";

  private final MultimodalGrpc.MultimodalFutureStub stub;

  /**
   * @param multimodal a channel to the gateway's {@code mmserve.v1.Multimodal}; owned by the caller
   */
  public GrpcProbeClassifier(Channel multimodal) {
    this.stub = MultimodalGrpc.newFutureStub(multimodal);
  }

  @Override
  public List<String> topLabels(
      String pinned,
      List<byte[]> images,
      List<String> labels,
      String promptTemplate,
      Duration timeout)
      throws ProbeException {
    ClassifyRequest.Builder request =
        ClassifyRequest.newBuilder()
            .setModel(pinned)
            .addAllLabels(labels)
            .setPromptTemplate(promptTemplate)
            .setTopK(1)
            .setRequestId(REQUEST_ID);
    for (byte[] image : images) {
      request.addImages(
          Image.newBuilder().setEncoded(UnsafeByteOperations.unsafeWrap(image))); // never modified
    }
    ClassifyResponse answer =
        GrpcProbeSets.await(
            stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .classify(request.build()),
            "Classify");
    String served = answer.getModel() + "@" + answer.getModelVersion();
    if (!served.equals(pinned)) {
      throw new ProbeException("Classify was answered by " + served);
    }
    List<String> top = new ArrayList<>(answer.getClassificationsCount());
    answer.getClassificationsList().stream()
        .sorted(Comparator.comparingInt(Classification::getIndex))
        .forEach(c -> top.add(c.getScoresCount() == 0 ? "" : c.getScores(0).getLabel()));
    return top;
  }
}
