package io.mmserve.gateway;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.encoder.v1.VisionEncoderGrpc;
import io.mmserve.fusion.v1.FusionGrpc;
import io.mmserve.kit.errors.StatusMapper;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The services behind the gateway: text-encoder-svc, vision-encoder-svc and fusion-svc. This is the
 * one gRPC-aware piece of the understanding calls; {@link #forCurrentCall()} gives them a {@link
 * Calls} whose methods speak proto messages and futures only.
 *
 * <p>The channels are owned by the caller of the constructor, who shuts them down.
 */
final class Backends {
  static final String TEXT_ENCODER = "text-encoder-svc";
  static final String VISION_ENCODER = "vision-encoder-svc";
  static final String FUSION = "fusion-svc";

  private final TextEncoderGrpc.TextEncoderFutureStub text;
  private final VisionEncoderGrpc.VisionEncoderFutureStub vision;
  private final FusionGrpc.FusionFutureStub fusion;
  private final Duration defaultDeadline;

  /**
   * @param defaultDeadline deadline of backend calls for callers that send none
   */
  Backends(Channel text, Channel vision, Channel fusion, Duration defaultDeadline) {
    this.text = TextEncoderGrpc.newFutureStub(text);
    this.vision = VisionEncoderGrpc.newFutureStub(vision);
    this.fusion = FusionGrpc.newFutureStub(fusion);
    this.defaultDeadline = defaultDeadline;
  }

  /**
   * The backends as seen by the public call running on this thread: every hop carries the caller's
   * deadline (or the default one, counted once from now, so later hops do not get a fresh one) and
   * is cancelled with the caller's call, also when it starts from a callback of an earlier hop.
   */
  Calls forCurrentCall() {
    Context context = Context.current();
    Deadline callers = context.getDeadline();
    Deadline deadline =
        callers != null ? callers : Deadline.after(defaultDeadline.toNanos(), TimeUnit.NANOSECONDS);
    return new Calls(context, deadline);
  }

  /** Backend calls on behalf of one public call. Thread-safe. */
  final class Calls {
    private final Context context;
    private final Deadline deadline;

    private Calls(Context context, Deadline deadline) {
      this.context = context;
      this.deadline = deadline;
    }

    ListenableFuture<EncodeTextResponse> encodeText(EncodeTextRequest request) {
      return call(TEXT_ENCODER, () -> text.withDeadline(deadline).encodeText(request));
    }

    ListenableFuture<EncodeImageResponse> encodeImage(EncodeImageRequest request) {
      return call(VISION_ENCODER, () -> vision.withDeadline(deadline).encodeImage(request));
    }

    ListenableFuture<io.mmserve.fusion.v1.ScoreResponse> score(
        io.mmserve.fusion.v1.ScoreRequest request) {
      return call(FUSION, () -> fusion.withDeadline(deadline).score(request));
    }

    ListenableFuture<io.mmserve.fusion.v1.MatchResponse> match(
        io.mmserve.fusion.v1.MatchRequest request) {
      return call(FUSION, () -> fusion.withDeadline(deadline).match(request));
    }

    ListenableFuture<io.mmserve.fusion.v1.ClassifyResponse> classify(
        io.mmserve.fusion.v1.ClassifyRequest request) {
      return call(FUSION, () -> fusion.withDeadline(deadline).classify(request));
    }

    /** Starts the call inside the caller's context, so it is cancelled with the caller's call. */
    private <T> ListenableFuture<T> call(String backend, Supplier<ListenableFuture<T>> start) {
      Context previous = context.attach();
      ListenableFuture<T> answer;
      try {
        answer = start.get();
      } finally {
        context.detach(previous);
      }
      return Futures.catchingAsync(
          answer,
          Throwable.class,
          t -> Futures.immediateFailedFuture(failure(backend, t)),
          MoreExecutors.directExecutor());
    }
  }

  /**
   * A backend's error as the caller sees it: the backend's own code and description. A failure that
   * never reached the backend (no connection) names the backend instead of grpc's transport message
   * alone.
   */
  static StatusRuntimeException failure(String backend, Throwable t) {
    Status status = Status.fromThrowable(t);
    if (status.getCode() == Status.Code.UNKNOWN && status.getCause() == t) {
      // not a status exception at all: a bug, mapped (and logged) as INTERNAL
      return StatusMapper.toStatusException(t);
    }
    if (status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null) {
      // grpc attaches a cause only to statuses made on the client side, such as a refused
      // connection; a backend's own UNAVAILABLE (overload) arrives without one
      return Status.UNAVAILABLE
          .withDescription(backend + " is unavailable: " + status.getDescription())
          .asRuntimeException();
    }
    return Status.fromCode(status.getCode())
        .withDescription(status.getDescription())
        .asRuntimeException();
  }
}
