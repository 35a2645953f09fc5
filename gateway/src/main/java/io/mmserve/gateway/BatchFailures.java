package io.mmserve.gateway;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.kit.errors.BadRequestDetails;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.ResourceLimitException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * How a batch's failure reaches the callers that shared it: which failures may be one item's fault
 * (so each request is retried on its own), and how the encoder's item indices in the batch become
 * the caller's indices in its own request.
 */
final class BatchFailures {
  private static final int MAX_IDS_SHOWN = 8;

  private BatchFailures() {}

  /** A batch failure that may be one item's fault, so each request is sent again on its own. */
  static boolean isItemSpecific(Throwable t) {
    if (t instanceof InvalidInputException || t instanceof ResourceLimitException) {
      return true;
    }
    Status.Code code = Status.fromThrowable(t).getCode();
    return code == Status.Code.INVALID_ARGUMENT || code == Status.Code.RESOURCE_EXHAUSTED;
  }

  /**
   * The encoder names a bad item by its index in the batch, in its status's {@code BadRequest}
   * details; the caller knows it by its index in its own request. Renumbers the violations of the
   * item list {@code itemsName} and rewrites the description from the first one (the encoder's
   * description is that violation's message); other failures pass unchanged.
   *
   * @param indices for each item of the failed batch, its index in the caller's request
   */
  static Throwable forRequest(Throwable failure, String itemsName, int[] indices) {
    if (!(failure instanceof StatusRuntimeException sre) || !isItemSpecific(failure)) {
      return failure;
    }
    List<FieldViolation> inBatch = BadRequestDetails.of(sre);
    List<FieldViolation> inRequest = new ArrayList<>(inBatch.size());
    for (FieldViolation v : inBatch) {
      boolean ours = v.field().equals(itemsName) && v.isItem();
      inRequest.add(ours && v.index() < indices.length ? v.withIndex(indices[v.index()]) : v);
    }
    if (inRequest.equals(inBatch)) {
      return failure;
    }
    Status status = sre.getStatus().withDescription(inRequest.get(0).message());
    Metadata trailers = new Metadata();
    if (sre.getTrailers() != null) {
      trailers.merge(sre.getTrailers());
    }
    return status.asRuntimeException(BadRequestDetails.attach(status, inRequest, trailers));
  }

  /** The request ids of a batch for the encoder's log: one, or the first few and a count. */
  static String requestIds(LinkedHashSet<String> ids) {
    if (ids.size() == 1) {
      return ids.iterator().next();
    }
    StringBuilder out = new StringBuilder();
    int shown = 0;
    for (String id : ids) {
      if (shown == MAX_IDS_SHOWN) {
        out.append(",+").append(ids.size() - shown).append(" more");
        break;
      }
      out.append(shown == 0 ? "" : ",").append(id.isEmpty() ? "-" : id);
      shown++;
    }
    return out.toString();
  }
}
