package io.mmserve.gallery.elastic;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.ErrorCause;
import io.mmserve.gallery.index.Gallery;
import io.mmserve.kit.errors.BackendUnavailableException;
import io.mmserve.kit.errors.FailedPreconditionException;
import io.mmserve.kit.errors.MmserveException;
import io.mmserve.kit.errors.OverloadedException;
import java.io.IOException;

/**
 * Turns what the Elasticsearch client throws into the kit's exceptions, so a client of gallery-svc
 * sees a status it can act on and never UNKNOWN or INTERNAL:
 *
 * <ul>
 *   <li>no answer (refused, reset, timed out: an {@link IOException}): {@link
 *       BackendUnavailableException} (UNAVAILABLE, retryable) naming the URLs;
 *   <li>an index that is not there: the collection's {@code NotFoundException};
 *   <li>429 (queues full, a circuit breaker): {@link OverloadedException} (UNAVAILABLE);
 *   <li>5xx (no shard available, ...): {@link BackendUnavailableException};
 *   <li>any other rejection: {@link FailedPreconditionException} with Elasticsearch's type and
 *       reason (a read-only index, a mapping conflict, a limit of the cluster).
 * </ul>
 *
 * Thread-safe and stateless but for the URLs.
 */
final class ElasticErrors {
  private final String urls;

  ElasticErrors(String urls) {
    this.urls = urls;
  }

  /** The exception for an I/O failure while doing {@code what} ("upsert into 'shapes'"). */
  MmserveException unreachable(String what, IOException e) {
    return new BackendUnavailableException(
        "Elasticsearch at " + urls + " is unreachable (" + describe(e) + ") during " + what, e);
  }

  /** The exception for an error answer to {@code what} about {@code collection}. */
  MmserveException rejected(String what, String collection, ElasticsearchException e) {
    ErrorCause cause = e.error();
    String type = cause == null ? null : cause.type();
    String reason = cause == null ? e.getMessage() : cause.reason();
    return rejected(what, collection, e.status(), type, reason, e);
  }

  /** The exception for a rejected bulk item or an error answer: by status, as listed above. */
  MmserveException rejected(
      String what, String collection, int status, String type, String reason, Throwable cause) {
    if (status == 404 && "index_not_found_exception".equals(type)) {
      return Gallery.notFound(collection);
    }
    String message =
        "Elasticsearch at " + urls + " rejected " + what + ": " + type + " (" + reason + ")";
    if (status == 429) {
      return new OverloadedException(message, cause);
    }
    if (status >= 500) {
      return new BackendUnavailableException(message, cause);
    }
    return new FailedPreconditionException(message);
  }

  private static String describe(IOException e) {
    String message = e.getMessage();
    String name = e.getClass().getSimpleName();
    return message == null || message.isBlank() ? name : name + ": " + message;
  }
}
