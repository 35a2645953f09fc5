package io.mmserve.cli;

import io.mmserve.client.MmserveException;
import io.mmserve.kit.errors.FieldViolation;
import java.util.List;
import java.util.Optional;

/** How the CLI shows a failed gateway call: the status, then each field violation it carries. */
final class GatewayError {
  private GatewayError() {}

  /**
   * "mmserve: Search failed: INVALID_ARGUMENT: ..." and one line per field violation of the
   * status's {@code google.rpc.BadRequest} (" field filter: ...").
   */
  static String message(String method, String target, MmserveException e) {
    StringBuilder message =
        new StringBuilder(EmbedCommand.errorMessage(method, target, e.status()));
    for (io.mmserve.client.FieldViolation v : e.violations()) {
      message.append("\n  field ").append(v.field()).append(": ").append(v.description());
    }
    return message.toString();
  }

  /**
   * The field violations the status carries whose field is a field path ({@code items[3]}), read
   * into items and indexes; empty if none.
   */
  static List<FieldViolation> violations(MmserveException e) {
    return e.violations().stream()
        .map(v -> FieldViolation.parse(v.field(), v.description()))
        .flatMap(Optional::stream)
        .toList();
  }
}
