package io.mmserve.rollout;

import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.Status;
import io.mmserve.encoder.v1.GetProbeSetRequest;
import io.mmserve.encoder.v1.GetProbeSetResponse;
import io.mmserve.encoder.v1.ProbeImage;
import io.mmserve.encoder.v1.VisionEncoderGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The probe sets of model versions as the vision encoder serves them ({@code
 * VisionEncoder/GetProbeSet}): the pack lives on the encoders, so they serve its probe set, and the
 * probes of a version are exactly the probe set of the pack that version is.
 */
public final class GrpcProbeSets implements ProbeSetSource {
  /** Sends one GetProbeSet call (the gateway: through the vision encoder's backend pool). */
  @FunctionalInterface
  public interface Caller {
    Future<GetProbeSetResponse> call(GetProbeSetRequest request, Deadline deadline);
  }

  private final Caller caller;

  public GrpcProbeSets(Caller caller) {
    this.caller = caller;
  }

  /** Calls a vision encoder on {@code channel} (owned by the caller). */
  public static GrpcProbeSets over(Channel channel) {
    return new GrpcProbeSets(
        (request, deadline) ->
            VisionEncoderGrpc.newFutureStub(channel).withDeadline(deadline).getProbeSet(request));
  }

  @Override
  public LabelledProbes fetch(String pinned, Duration timeout) throws ProbeException {
    GetProbeSetRequest request = GetProbeSetRequest.newBuilder().setModel(pinned).build();
    GetProbeSetResponse answer =
        await(
            caller.call(request, Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS)),
            "GetProbeSet");
    String served = answer.getModel() + "@" + answer.getModelVersion();
    if (!served.equals(pinned)) {
      throw new ProbeException("GetProbeSet answered the probe set of " + served);
    }
    List<LabelledProbes.Probe> images = new ArrayList<>(answer.getImagesCount());
    for (ProbeImage image : answer.getImagesList()) {
      images.add(
          new LabelledProbes.Probe(
              image.getFile(), image.getEncoded().toByteArray(), image.getLabel()));
    }
    return new LabelledProbes(answer.getPromptTemplate(), answer.getLabelsList(), images);
  }

  /**
   * The call's answer, or a {@link ProbeException} with its status; cancels it if interrupted.
   * Shared with {@link GrpcProbeClassifier}.
   */
  static <T> T await(Future<T> answer, String call) throws ProbeException {
    try {
      return answer.get();
    } catch (ExecutionException e) {
      Status status = Status.fromThrowable(e.getCause());
      throw new ProbeException(
          call + " failed: " + status.getCode() + ": " + status.getDescription(), e.getCause());
    } catch (InterruptedException e) {
      answer.cancel(true);
      Thread.currentThread().interrupt();
      throw new ProbeException(call + " interrupted", e);
    }
  }
}
