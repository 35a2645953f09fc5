package io.mmserve.triton;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.kit.errors.BackendUnavailableException;
import io.mmserve.kit.errors.DeadlineExceededException;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.OverloadedException;
import io.mmserve.kit.errors.ResourceLimitException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Maps Triton's gRPC errors to mmserve's domain exceptions. Triton answers a full queue with
 * UNAVAILABLE ("Exceeds maximum queue size"), a bad shape or datatype with INVALID_ARGUMENT naming
 * the tensor, and an unknown model or version with NOT_FOUND. A model start-up found but Triton no
 * longer serves (NOT_FOUND after the retries) is the backend's state, so it maps to {@link
 * BackendUnavailableException}, not to an error of the caller.
 */
final class TritonErrors {
  private static final Pattern REQUEST_ID_PREFIX = Pattern.compile("^\\[request id: [^]]*] ");

  private TritonErrors() {}

  /** True for an UNAVAILABLE that says the server is overloaded rather than unreachable. */
  static boolean isOverload(Status status) {
    if (status.getCode() != Status.Code.UNAVAILABLE || status.getDescription() == null) {
      return false;
    }
    String description = status.getDescription().toLowerCase(Locale.ROOT);
    return description.contains("queue size") || description.contains("rate limit");
  }

  /**
   * True for answers a retry may cure: Triton unreachable or restarting (UNAVAILABLE that is not
   * overload), or a model that start-up saw but that is not loaded right now (NOT_FOUND while it
   * reloads).
   */
  static boolean isRetryable(Status status) {
    return (status.getCode() == Status.Code.UNAVAILABLE && !isOverload(status))
        || status.getCode() == Status.Code.NOT_FOUND;
  }

  /** The domain exception for a failed call about model {@code model}. */
  static RuntimeException toDomain(StatusRuntimeException e, TritonModel model, String target) {
    Status status = e.getStatus();
    String description = describe(status);
    String where = "Triton model " + model.describe();
    return switch (status.getCode()) {
      case INVALID_ARGUMENT ->
          new InvalidInputException(where + " rejected the input: " + description, e);
      // start-up saw the model: not finding it now is the backend's state, not the caller's error
      case NOT_FOUND ->
          new BackendUnavailableException(
              where + " is not loaded on Triton at " + target + ": " + description, e);
      case RESOURCE_EXHAUSTED -> new ResourceLimitException(where + ": " + description, e);
      case DEADLINE_EXCEEDED ->
          new DeadlineExceededException(where + " did not answer in time: " + description, e);
      case UNAVAILABLE ->
          isOverload(status)
              ? new OverloadedException(where + " is overloaded: " + description, e)
              : new BackendUnavailableException(
                  "Triton at "
                      + target
                      + " is unavailable: "
                      + description
                      + tlsFailure(status)
                          .map(f -> " (TLS handshake failed: " + f + ")")
                          .orElse(""),
                  e);
      default ->
          new IllegalStateException(
              where + " failed with " + status.getCode() + ": " + description, e);
    };
  }

  /**
   * Why the TLS handshake failed, when {@code status} is a failed connection whose cause is a TLS
   * error (an untrusted or misnamed certificate, a refused or missing client certificate): the TLS
   * exception's message, and its root cause's when that says more.
   */
  static Optional<String> tlsFailure(Status status) {
    if (status.getCode() != Status.Code.UNAVAILABLE) {
      return Optional.empty();
    }
    for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
      if (t instanceof SSLException tls) {
        Throwable root = tls;
        while (root.getCause() != null && root.getCause() != root) {
          root = root.getCause();
        }
        String message = String.valueOf(tls.getMessage());
        String rootMessage = root.getMessage();
        return Optional.of(
            root == tls || rootMessage == null || message.contains(rootMessage)
                ? message
                : message + ": " + rootMessage);
      }
    }
    return Optional.empty();
  }

  /** The status description without Triton's "[request id: ...]" prefix. */
  static String describe(Status status) {
    String description = status.getDescription();
    if (description == null || description.isEmpty()) {
      return status.getCode().toString();
    }
    return REQUEST_ID_PREFIX.matcher(description).replaceFirst("");
  }
}
