package io.mmserve.kit.errors;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.lang.reflect.InvocationTargetException;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns exceptions into gRPC statuses.
 *
 * <ul>
 *   <li>{@link StatusException} and {@link StatusRuntimeException} pass through unchanged.
 *   <li>{@link MmserveException} subclasses map to their documented code; their message becomes the
 *       description (it is written to be safe for clients).
 *   <li>{@link CancellationException} is {@code CANCELLED}.
 *   <li>Anything else is a bug: {@code INTERNAL} with the fixed description {@value
 *       #INTERNAL_DESCRIPTION}; the exception is logged here and never sent.
 * </ul>
 *
 * Wrappers from futures and reflection ({@link CompletionException}, {@link ExecutionException},
 * {@link InvocationTargetException}) are unwrapped first. The original exception is attached as the
 * status cause, which gRPC keeps on the server side only.
 *
 * <p>The structure a client may act on travels in the trailers ({@link #trailersOf}): an exception
 * with a {@link FieldViolation} gets a {@code google.rpc.BadRequest} detail naming the field path
 * and the rule (beside the human description), an {@link OverloadedException} its retry hint.
 */
public final class StatusMapper {
  /** The description of every status made from an unexpected exception. */
  public static final String INTERNAL_DESCRIPTION = "internal error";

  /** The trailer of gRPC's retry design (A6) in which a server asks for a retry delay, in ms. */
  public static final String RETRY_PUSHBACK_KEY = "grpc-retry-pushback-ms";

  private static final Metadata.Key<String> RETRY_PUSHBACK =
      Metadata.Key.of(RETRY_PUSHBACK_KEY, Metadata.ASCII_STRING_MARSHALLER);

  private static final Logger log = LoggerFactory.getLogger(StatusMapper.class);

  private StatusMapper() {}

  /** Returns the status for {@code throwable}; logs it when it is an unexpected exception. */
  public static Status toStatus(Throwable throwable) {
    Throwable t = unwrap(throwable);
    if (t instanceof StatusRuntimeException sre) {
      return sre.getStatus();
    }
    if (t instanceof StatusException se) {
      return se.getStatus();
    }
    if (t instanceof MmserveException e) {
      return codeOf(e).withDescription(e.getMessage()).withCause(e);
    }
    if (t instanceof CancellationException) {
      return Status.CANCELLED.withDescription("request cancelled").withCause(t);
    }
    log.error("unexpected exception, answered as INTERNAL", t);
    return Status.INTERNAL.withDescription(INTERNAL_DESCRIPTION).withCause(t);
  }

  /** Returns the exception to pass to {@code StreamObserver.onError}, with trailers if any. */
  public static StatusRuntimeException toStatusException(Throwable throwable) {
    return toStatus(throwable).asRuntimeException(trailersOf(throwable));
  }

  /**
   * Returns the trailers to send with {@link #toStatus}: those a status exception carried, or empty
   * trailers; for an exception with a {@link FieldViolation}, a {@code google.rpc.BadRequest}
   * detail ({@link BadRequestDetails}); for an {@link OverloadedException} with a retry hint, the
   * {@value #RETRY_PUSHBACK_KEY} trailer.
   */
  public static Metadata trailersOf(Throwable throwable) {
    Throwable t = unwrap(throwable);
    if (t instanceof MmserveException e) {
      Metadata trailers = new Metadata();
      e.violation().ifPresent(v -> BadRequestDetails.attach(toStatus(e), List.of(v), trailers));
      if (e instanceof OverloadedException overloaded && overloaded.retryAfter().isPresent()) {
        trailers.put(RETRY_PUSHBACK, Long.toString(overloaded.retryAfter().get().toMillis()));
      }
      return trailers;
    }
    Metadata trailers = Status.trailersFromThrowable(t);
    return trailers != null ? trailers : new Metadata();
  }

  /**
   * The retry delay a server asks for, from the {@value #RETRY_PUSHBACK_KEY} trailer: empty when
   * there is none or it is not a number; negative when the server asks not to retry.
   */
  public static OptionalLong retryPushbackMillis(Metadata trailers) {
    String value = trailers == null ? null : trailers.get(RETRY_PUSHBACK);
    if (value == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static Status codeOf(MmserveException e) {
    if (e instanceof InvalidInputException || e instanceof ModelNotFoundException) {
      return Status.INVALID_ARGUMENT;
    }
    if (e instanceof ResourceLimitException) {
      return Status.RESOURCE_EXHAUSTED;
    }
    if (e instanceof OverloadedException || e instanceof BackendUnavailableException) {
      return Status.UNAVAILABLE;
    }
    if (e instanceof DeadlineExceededException) {
      return Status.DEADLINE_EXCEEDED;
    }
    if (e instanceof CancelledException) {
      return Status.CANCELLED;
    }
    if (e instanceof NotFoundException) {
      return Status.NOT_FOUND;
    }
    if (e instanceof FailedPreconditionException) {
      return Status.FAILED_PRECONDITION;
    }
    // MmserveException's constructors are package-private, so this is a new subclass in this
    // package that was not added above.
    throw new AssertionError("no status for " + e.getClass().getName());
  }

  private static Throwable unwrap(Throwable throwable) {
    Throwable t = throwable;
    while ((t instanceof CompletionException
            || t instanceof ExecutionException
            || t instanceof InvocationTargetException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
