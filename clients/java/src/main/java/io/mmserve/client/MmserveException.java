package io.mmserve.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every failure of a {@link MmserveClient} call: the gRPC status (code and description, from the
 * gateway or made on this side, such as an unreachable gateway or a missed deadline) and the field
 * violations of the status's {@code google.rpc.BadRequest} details ({@code
 * grpc-status-details-bin}), so callers need not parse the description.
 */
public final class MmserveException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String method;
  private final transient Status status;
  private final List<FieldViolation> violations;

  private MmserveException(
      String method, Status status, List<FieldViolation> violations, Throwable cause) {
    super(text(method, status, violations), cause);
    this.method = method;
    this.status = status;
    this.violations = List.copyOf(violations);
  }

  /** The exception of a failed call of {@code method} ("Classify"), with its field violations. */
  public static MmserveException of(String method, StatusRuntimeException e) {
    return new MmserveException(method, e.getStatus(), violations(e), e);
  }

  /** The call that failed, e.g. {@code Classify}. */
  public String method() {
    return method;
  }

  /** The status code. */
  public Status.Code code() {
    return status.getCode();
  }

  /** The status description (the gateway's is safe to show a user); empty if none. */
  public String description() {
    return status.getDescription() == null ? "" : status.getDescription();
  }

  /**
   * The whole status; its cause is set only for statuses made on this side (a refused connection),
   * not for those the gateway sent.
   */
  public Status status() {
    return status;
  }

  /** The field violations of the status details, in order; empty if none. */
  public List<FieldViolation> violations() {
    return violations;
  }

  /** The first violation of {@code field} (an exact path such as {@code labels[1]}). */
  public Optional<FieldViolation> violation(String field) {
    return violations.stream().filter(v -> v.field().equals(field)).findFirst();
  }

  private static List<FieldViolation> violations(StatusRuntimeException e) {
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
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
          out.add(new FieldViolation(v.getField(), v.getDescription()));
        }
      } catch (InvalidProtocolBufferException malformed) {
        // a detail that does not parse is no detail; the description still says what failed
      }
    }
    return out;
  }

  private static String text(String method, Status status, List<FieldViolation> violations) {
    StringBuilder text = new StringBuilder(method).append(" failed: ").append(status.getCode());
    if (status.getDescription() != null) {
      text.append(": ").append(status.getDescription());
    }
    for (FieldViolation v : violations) {
      text.append("\n  field ").append(v.field()).append(": ").append(v.description());
    }
    return text.toString();
  }
}
