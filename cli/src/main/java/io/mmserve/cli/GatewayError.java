package io.mmserve.cli;

import io.grpc.StatusRuntimeException;
import io.mmserve.kit.errors.BadRequestDetails;
import io.mmserve.kit.errors.FieldViolation;
import java.util.List;

/** How the CLI shows a failed gateway call: the status, then each field violation it carries. */
final class GatewayError {
  private GatewayError() {}

  /**
   * "mmserve: Search failed: INVALID_ARGUMENT: ..." and one line per field violation of the
   * status's {@code google.rpc.BadRequest} (" field filter: ...").
   */
  static String message(String method, String target, StatusRuntimeException e) {
    StringBuilder message =
        new StringBuilder(EmbedCommand.errorMessage(method, target, e.getStatus()));
    for (FieldViolation v : violations(e)) {
      message.append("\n  field ").append(v.path()).append(": ").append(v.rule());
    }
    return message.toString();
  }

  /** The field violations the status carries; empty if none. */
  static List<FieldViolation> violations(StatusRuntimeException e) {
    return BadRequestDetails.of(e);
  }
}
