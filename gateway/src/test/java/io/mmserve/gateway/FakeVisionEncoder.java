package io.mmserve.gateway;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.mmserve.api.v1.Image;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.GetProbeSetRequest;
import io.mmserve.encoder.v1.GetProbeSetResponse;
import io.mmserve.encoder.v1.VisionEncoderGrpc;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.StatusMapper;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A vision encoder for gateway tests: image i gets the embedding {@link
 * FakeTextEncoder#valueAt(int, int)}, unless every image of the request is an encoded image whose
 * bytes (as UTF-8) have a vector in {@link #vectors}; then each gets its own, and with
 * include_features its patch features are [its vector, zeros]. It remembers the last request and
 * the deadline it arrived with, and answers with {@link #failWith} when that is set. A request
 * holding an image of {@link #corrupt} fails with INVALID_ARGUMENT "images[k]: ..." and a
 * BadRequest naming "images[k]", k the image's index in that request, as the real encoder names an
 * image it cannot decode. With a {@link #gate} it holds each call until the test opens it.
 */
final class FakeVisionEncoder extends VisionEncoderGrpc.VisionEncoderImplBase {
  static final String MODEL = "fake-clip";
  static final String VERSION = "0.0.7";
  static final int DIMS = 3;
  static final int PATCHES = 2;
  static final String CORRUPT_MESSAGE = "cannot decode the image (corrupt data)";

  final Map<String, float[]> vectors = new ConcurrentHashMap<>();

  /** Encoded images (bytes as UTF-8) the encoder cannot decode: the request fails naming one. */
  final Set<String> corrupt = ConcurrentHashMap.newKeySet();

  /** Every request, in order. */
  final List<EncodeImageRequest> requests = new CopyOnWriteArrayList<>();

  /** When set, each call waits until it opens (see {@link FakeTextEncoder#gate}). */
  volatile CountDownLatch gate;

  volatile EncodeImageRequest lastRequest;
  volatile Deadline lastDeadline;
  volatile int calls;
  volatile Status failWith;
  volatile String version = VERSION;

  /** What GetProbeSet answers; NOT_FOUND while unset. */
  volatile GetProbeSetResponse probeSet;

  /** The models GetProbeSet was asked for, in order. */
  final List<String> probeSetRequests = new CopyOnWriteArrayList<>();

  @Override
  public void getProbeSet(GetProbeSetRequest request, StreamObserver<GetProbeSetResponse> out) {
    probeSetRequests.add(request.getModel());
    if (probeSet == null) {
      out.onError(Status.NOT_FOUND.withDescription("no probe set").asRuntimeException());
      return;
    }
    out.onNext(probeSet);
    out.onCompleted();
  }

  @Override
  public void encodeImage(EncodeImageRequest request, StreamObserver<EncodeImageResponse> out) {
    calls++;
    lastRequest = request;
    lastDeadline = Context.current().getDeadline();
    requests.add(request);
    FakeTextEncoder.passGate(gate);
    if (failWith != null) {
      out.onError(failWith.asRuntimeException());
      return;
    }
    for (int i = 0; i < request.getImagesCount(); i++) {
      if (corrupt.contains(key(request.getImages(i)))) {
        out.onError(
            StatusMapper.toStatusException(
                new InvalidInputException(FieldViolation.item("images", i, CORRUPT_MESSAGE))));
        return;
      }
    }
    EncodeImageResponse.Builder response =
        EncodeImageResponse.newBuilder().setModel(MODEL).setModelVersion(version);
    if (request.getImagesList().stream().allMatch(i -> vectors.containsKey(key(i)))) {
      float[][] rows =
          request.getImagesList().stream().map(i -> vectors.get(key(i))).toArray(float[][]::new);
      response.setEmbeddings(FakeTextEncoder.tensor(rows, rows[0].length));
      if (request.getIncludeFeatures()) {
        response.setPatchFeatures(FakeTextEncoder.features(rows, PATCHES));
      }
    } else {
      response.setEmbeddings(FakeTextEncoder.matrix(request.getImagesCount(), DIMS));
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  private static String key(Image image) {
    return image.getEncoded().toStringUtf8();
  }
}
