package io.mmserve.inference.batch;

/**
 * Rewrites the failure of a batch that held one request's items for that request, e.g. to name the
 * bad item by its index in the request rather than in the batch.
 */
@FunctionalInterface
public interface FailureTranslator {
  /** Leaves every failure as it is. */
  FailureTranslator NONE = (failure, indices) -> failure;

  /**
   * @param indices for each item of the failed batch, its index in the request
   */
  Throwable forRequest(Throwable failure, int[] indices);
}
