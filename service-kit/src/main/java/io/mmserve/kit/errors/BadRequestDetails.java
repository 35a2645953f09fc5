package io.mmserve.kit.errors;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link FieldViolation}s on the wire: a {@code google.rpc.BadRequest} in the status details
 * ({@code grpc-status-details-bin} trailer, through {@link StatusProto}), which any gRPC client
 * reads without parsing the description. {@link StatusMapper} writes them for the exceptions that
 * carry a violation; a service that forwards another's error reads and rewrites them here.
 */
public final class BadRequestDetails {
  /** The trailer in which gRPC carries a status's {@code google.rpc.Status} (as StatusProto). */
  private static final Metadata.Key<com.google.rpc.Status> DETAILS =
      Metadata.Key.of(
          "grpc-status-details-bin",
          ProtoUtils.metadataMarshaller(com.google.rpc.Status.getDefaultInstance()));

  private BadRequestDetails() {}

  /**
   * The field violations that a status exception carries, in order; empty when it carries no {@code
   * BadRequest} (or {@code throwable} is no status exception). Violations whose field is not a
   * {@link FieldViolation#path()} are left out.
   */
  public static List<FieldViolation> of(Throwable throwable) {
    Metadata trailers = Status.trailersFromThrowable(throwable);
    com.google.rpc.Status details = trailers == null ? null : trailers.get(DETAILS);
    List<FieldViolation> out = new ArrayList<>();
    if (details == null) {
      return out;
    }
    for (Any any : details.getDetailsList()) {
      if (!any.is(BadRequest.class)) {
        continue;
      }
      try {
        for (BadRequest.FieldViolation v : any.unpack(BadRequest.class).getFieldViolationsList()) {
          FieldViolation.parse(v.getField(), v.getDescription()).ifPresent(out::add);
        }
      } catch (InvalidProtocolBufferException e) {
        // a malformed detail is no detail; the description still says what went wrong
      }
    }
    return out;
  }

  /**
   * Puts {@code status} with {@code violations} into {@code trailers} as its {@code google.rpc}
   * details, replacing a {@code BadRequest} that was there and keeping other details.
   *
   * @return {@code trailers}, changed
   */
  public static Metadata attach(Status status, List<FieldViolation> violations, Metadata trailers) {
    com.google.rpc.Status.Builder details =
        com.google.rpc.Status.newBuilder().setCode(status.getCode().value());
    if (status.getDescription() != null) {
      details.setMessage(status.getDescription());
    }
    com.google.rpc.Status previous = trailers.get(DETAILS);
    if (previous != null) {
      previous.getDetailsList().stream()
          .filter(any -> !any.is(BadRequest.class))
          .forEach(details::addDetails);
    }
    BadRequest.Builder badRequest = BadRequest.newBuilder();
    for (FieldViolation v : violations) {
      badRequest.addFieldViolations(
          BadRequest.FieldViolation.newBuilder().setField(v.path()).setDescription(v.rule()));
    }
    details.addDetails(Any.pack(badRequest.build()));
    return StatusProto.toStatusRuntimeException(details.build(), trailers).getTrailers();
  }
}
