package io.mmserve.vision;

import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.PixelFormat;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.GetProbeSetRequest;
import io.mmserve.encoder.v1.GetProbeSetResponse;
import io.mmserve.encoder.v1.VisionEncoderGrpc;
import io.mmserve.inference.TensorCodec;
import io.mmserve.kit.deadline.Deadlines;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.MmserveException;
import io.mmserve.kit.errors.ResourceLimitException;
import io.mmserve.kit.errors.StatusMapper;
import io.mmserve.kit.fault.FaultInjection;
import io.mmserve.kit.server.Replies;
import io.mmserve.vision.encoder.ImageEncoder;
import io.mmserve.vision.encoder.ImageEncoding;
import io.mmserve.vision.encoder.ImageInput;
import io.mmserve.vision.encoder.ImageRequest;
import io.mmserve.vision.image.RawImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;

/**
 * {@code mmserve.encoder.v1.VisionEncoder}: translates EncodeImage requests to {@link ImageEncoder}
 * calls and their results back to protos, and serves the packs' probe sets ({@link PackProbeSets}).
 * {@link Replies} completes each call when the encoder's future does: every failure reaches the
 * client as a status made by {@link StatusMapper}, and a cancelled call gets nothing.
 */
public final class VisionEncoderService extends VisionEncoderGrpc.VisionEncoderImplBase {
  private final ImageEncoder encoder;
  private final PackProbeSets probeSets;
  private final FaultInjection faults;
  private final DoubleSupplier draw;

  /** Without faults. */
  public VisionEncoderService(ImageEncoder encoder) {
    this(encoder, FaultInjection.OFF, () -> 1);
  }

  /**
   * Serves the probe sets of the encoder's packs, read now.
   *
   * @param faults the drill faults added to EncodeImage answers of one version (usually off); never
   *     to GetProbeSet, which serves files
   * @param draw a uniform draw in [0, 1) per answer, for the faults (thread-safe)
   * @throws io.mmserve.inference.pack.ModelPackException if a pack's probe set cannot be read
   */
  public VisionEncoderService(ImageEncoder encoder, FaultInjection faults, DoubleSupplier draw) {
    this.encoder = encoder;
    this.probeSets = new PackProbeSets(encoder.registry());
    this.faults = faults;
    this.draw = draw;
  }

  @Override
  public void encodeImage(
      EncodeImageRequest request, StreamObserver<EncodeImageResponse> responseObserver) {
    CompletableFuture<ImageEncoding> result;
    try {
      Context context = Context.current();
      Deadlines.checkNotExpired(context);
      BooleanSupplier cancelled = Deadlines.cancellationOf(context);
      result = encoder.encode(toDomain(request), cancelled);
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    result =
        faults.apply(
            result, e -> e.model() + "@" + e.modelVersion(), draw, FaultInjection::delayed);
    Replies.whenDone(result, VisionEncoderService::toProto, responseObserver);
  }

  @Override
  public void getProbeSet(
      GetProbeSetRequest request, StreamObserver<GetProbeSetResponse> responseObserver) {
    Replies.now(() -> probeSets.get(request.getModel()), responseObserver);
  }

  private ImageRequest toDomain(EncodeImageRequest request) {
    List<ImageInput> images = new ArrayList<>(request.getImagesCount());
    for (int i = 0; i < request.getImagesCount(); i++) {
      images.add(toDomain(i, request.getImages(i)));
    }
    return new ImageRequest(
        request.getModel(), images, request.getIncludeFeatures(), request.getNormalize());
  }

  private ImageInput toDomain(int index, Image image) {
    try {
      return switch (image.getSourceCase()) {
        case ENCODED -> ImageInput.encoded(image.getEncoded().toByteArray());
        case RAW -> ImageInput.raw(toDomain(index, image.getRaw()));
        case SOURCE_NOT_SET ->
            throw new InvalidInputException(
                FieldViolation.item("images", index, "no image given (set encoded or raw)"));
      };
    } catch (MmserveException e) {
      // reported by the encoder in index order, after the request-wide checks
      return ImageInput.rejected(e);
    }
  }

  private RawImage toDomain(int index, io.mmserve.api.v1.RawImage raw) {
    // uint32 on the wire: sizes past Integer.MAX_VALUE arrive negative and are over any limit.
    long width = Integer.toUnsignedLong(raw.getWidth());
    long height = Integer.toUnsignedLong(raw.getHeight());
    if (width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
      throw new ResourceLimitException(
          FieldViolation.item(
              "images",
              index,
              width
                  + "x"
                  + height
                  + " pixels exceeds the limit of "
                  + encoder.limits().maxPixels()
                  + " pixels"));
    }
    return new RawImage(
        (int) width, (int) height, format(index, raw.getFormat()), raw.getData().toByteArray());
  }

  private static RawImage.Format format(int index, PixelFormat format) {
    return switch (format) {
      case PIXEL_FORMAT_UNSPECIFIED, RGB8 -> RawImage.Format.RGB8;
      case RGBA8 -> RawImage.Format.RGBA8;
      case GRAY8 -> RawImage.Format.GRAY8;
      case UNRECOGNIZED ->
          throw new InvalidInputException(
              FieldViolation.item(
                  "images", index, "unknown raw pixel format; use RGB8, RGBA8 or GRAY8"));
    };
  }

  private static EncodeImageResponse toProto(ImageEncoding encodings) {
    EncodeImageResponse.Builder out =
        EncodeImageResponse.newBuilder()
            .setModel(encodings.model())
            .setModelVersion(encodings.modelVersion())
            .setEmbeddings(TensorCodec.encode(encodings.embeddings()));
    encodings.patchFeatures().ifPresent(p -> out.setPatchFeatures(TensorCodec.encode(p)));
    return out.build();
  }
}
