package io.mmserve.gateway.http;

import com.google.gson.JsonObject;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.IOException;

/**
 * Errors of the HTTP port that happen before the service sees a request, answered as the service's
 * own errors are: an HTTP status and a JSON body {@code {"code", "grpc-code", "message"}} that says
 * what was wrong. The service's errors themselves are rendered by Armeria's JSON error handler from
 * the status the service's interceptors mapped.
 *
 * <ul>
 *   <li>a body that is not JSON: 400 INVALID_ARGUMENT with the parser's message;
 *   <li>JSON that does not fit the request message (an unknown field, a string for a number): 400
 *       INVALID_ARGUMENT with the message naming the field, where Armeria would answer UNKNOWN;
 *   <li>a body over the size limit: 413 RESOURCE_EXHAUSTED naming the limit.
 * </ul>
 *
 * Stateless; called on Armeria's threads.
 */
final class HttpErrors {
  private HttpErrors() {}

  /**
   * For {@code GrpcServiceBuilder.exceptionHandler}: a request body that did not parse into the
   * request message becomes INVALID_ARGUMENT with the parser's message; null (Armeria's default)
   * for anything else.
   */
  static Status requestMessage(
      RequestContext ctx, Status status, Throwable cause, Metadata metadata) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof IOException && t.getMessage() != null) {
        return Status.INVALID_ARGUMENT.withDescription("request body: " + t.getMessage());
      }
    }
    return null;
  }

  /** For {@code ServerBuilder.errorHandler}: errors before the gRPC layer, as JSON. */
  static ServerErrorHandler beforeTheService(long maxRequestBytes) {
    return new BeforeTheService(maxRequestBytes);
  }

  private record BeforeTheService(long maxRequestBytes) implements ServerErrorHandler {
    @Override
    public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
      if (cause instanceof ContentTooLargeException) {
        return tooLarge().toHttpResponse();
      }
      if (cause instanceof HttpStatusException e
          && e.httpStatus().equals(HttpStatus.BAD_REQUEST)
          && e.getCause() != null) {
        return json(HttpStatus.BAD_REQUEST, Status.Code.INVALID_ARGUMENT, describe(e.getCause()))
            .toHttpResponse();
      }
      return null; // Armeria's default
    }

    /** A body over the limit is refused while it streams in, before any service. */
    @Override
    public AggregatedHttpResponse renderStatus(
        ServiceRequestContext ctx,
        ServiceConfig config,
        RequestHeaders headers,
        HttpStatus status,
        String description,
        Throwable cause) {
      if (status.equals(HttpStatus.REQUEST_ENTITY_TOO_LARGE)) {
        return tooLarge();
      }
      return ServerErrorHandler.super.renderStatus(
          ctx, config, headers, status, description, cause);
    }

    private AggregatedHttpResponse tooLarge() {
      return json(
          HttpStatus.REQUEST_ENTITY_TOO_LARGE,
          Status.Code.RESOURCE_EXHAUSTED,
          "request body exceeds the limit of " + maxRequestBytes + " bytes");
    }
  }

  private static String describe(Throwable cause) {
    StringBuilder message = new StringBuilder(String.valueOf(cause.getMessage()));
    Throwable parser = cause.getCause();
    if (parser != null && parser.getMessage() != null) {
      message.append(": ").append(parser.getMessage().lines().findFirst().orElse(""));
    }
    return message.toString();
  }

  private static AggregatedHttpResponse json(HttpStatus status, Status.Code code, String message) {
    JsonObject body = new JsonObject();
    body.addProperty("code", code.value());
    body.addProperty("grpc-code", code.name());
    body.addProperty("message", message);
    return AggregatedHttpResponse.of(status, MediaType.JSON_UTF_8, body.toString());
  }
}
