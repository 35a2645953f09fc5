package io.mmserve.gateway.http;

import com.google.gson.JsonObject;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

/**
 * An error of {@code POST /v1/embeddings} in OpenAI's shape: an HTTP status and the body {@code
 * {"error": {"message", "type", "param", "code"}}}. Thrown by the request parser and made from the
 * service's gRPC status by {@link OpenAiErrors}; the message is safe to show a client.
 */
final class OpenAiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** OpenAI's type of a request the client must fix. */
  static final String INVALID_REQUEST = "invalid_request_error";

  private final transient HttpStatus status;
  private final String type;
  private final String param;
  private final String code;

  /**
   * @param param the request field at fault ({@code input}, {@code model}), or null
   * @param code OpenAI's error code ({@code model_not_found}), or null
   */
  OpenAiException(HttpStatus status, String type, String param, String code, String message) {
    super(message);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
  }

  /** A 400 invalid_request_error about {@code param}. */
  static OpenAiException invalid(String param, String message) {
    return new OpenAiException(HttpStatus.BAD_REQUEST, INVALID_REQUEST, param, null, message);
  }

  HttpStatus status() {
    return status;
  }

  /** The error as the HTTP response OpenAI's clients parse. */
  HttpResponse toResponse() {
    JsonObject error = new JsonObject();
    error.addProperty("message", getMessage());
    error.addProperty("type", type);
    error.addProperty("param", param);
    error.addProperty("code", code);
    JsonObject body = new JsonObject();
    body.add("error", error);
    return HttpResponse.of(status, MediaType.JSON_UTF_8, body.toString());
  }
}
