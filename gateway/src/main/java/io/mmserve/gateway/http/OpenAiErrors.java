package io.mmserve.gateway.http;

import com.linecorp.armeria.common.HttpStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.kit.errors.BadRequestDetails;
import io.mmserve.kit.errors.FieldViolation;
import java.util.List;

/**
 * Turns the service's gRPC status into OpenAI's error: the status code picks the HTTP status and
 * type, and a field violation about {@code texts[j]} or {@code images[j]} is renamed to the
 * request's {@code input[i]}, since the adapter splits one {@code input} into a texts call and an
 * images call.
 *
 * <ul>
 *   <li>INVALID_ARGUMENT, FAILED_PRECONDITION: 400 invalid_request_error; an unknown model 404
 *       {@code model_not_found}, as OpenAI answers it;
 *   <li>RESOURCE_EXHAUSTED about a field (too many inputs, an image too large): 400, since the
 *       client must change the request (OpenAI's clients would retry a 429); otherwise 429;
 *   <li>NOT_FOUND 404; UNAUTHENTICATED 401; PERMISSION_DENIED 403; UNAVAILABLE 503 and
 *       DEADLINE_EXCEEDED 504 (both retried by OpenAI's clients); anything else 500 server_error.
 * </ul>
 */
final class OpenAiErrors {
  /**
   * How the model registry starts the description of a model it does not serve ({@code
   * ModelRegistry.resolve}); the encoders send no field violation for it.
   */
  static final String UNKNOWN_MODEL = "unknown model '";

  private OpenAiErrors() {}

  /**
   * @param e the failed call
   * @param field the call's repeated field ({@code texts} or {@code images})
   * @param inputIndex for item j of that field, its index in the request's {@code input}
   */
  static OpenAiException fromStatus(
      StatusRuntimeException e, String field, List<Integer> inputIndex) {
    Status status = e.getStatus();
    String description = status.getDescription() == null ? "" : status.getDescription();
    List<FieldViolation> violations = BadRequestDetails.of(e);
    String param = null;
    String message = description;
    if (!violations.isEmpty()) {
      FieldViolation v = violations.get(0);
      if (v.field().equals(field) && v.index() >= 0 && v.index() < inputIndex.size()) {
        param = "input";
        message = "input[" + inputIndex.get(v.index()) + "]: " + v.rule();
      } else {
        param = v.field().equals(field) ? "input" : v.field();
      }
    }
    return switch (status.getCode()) {
      case INVALID_ARGUMENT ->
          description.startsWith(UNKNOWN_MODEL)
              ? new OpenAiException(
                  HttpStatus.NOT_FOUND,
                  OpenAiException.INVALID_REQUEST,
                  "model",
                  "model_not_found",
                  description)
              : OpenAiException.invalid(param, message);
      case FAILED_PRECONDITION, OUT_OF_RANGE -> OpenAiException.invalid(param, message);
      case RESOURCE_EXHAUSTED ->
          violations.isEmpty()
              ? error(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_exceeded", message)
              : OpenAiException.invalid(param, message);
      case NOT_FOUND ->
          new OpenAiException(
              HttpStatus.NOT_FOUND, OpenAiException.INVALID_REQUEST, param, null, message);
      case UNAUTHENTICATED ->
          new OpenAiException(HttpStatus.UNAUTHORIZED, "authentication_error", null, null, message);
      case PERMISSION_DENIED ->
          new OpenAiException(HttpStatus.FORBIDDEN, "permission_error", null, null, message);
      case UNAVAILABLE -> error(HttpStatus.SERVICE_UNAVAILABLE, "service_unavailable", message);
      case DEADLINE_EXCEEDED -> error(HttpStatus.GATEWAY_TIMEOUT, "timeout", message);
      default -> error(HttpStatus.INTERNAL_SERVER_ERROR, null, message);
    };
  }

  private static OpenAiException error(HttpStatus http, String code, String message) {
    String type = http.code() == 429 ? "rate_limit_error" : "server_error";
    return new OpenAiException(http, type, null, code, message);
  }
}
