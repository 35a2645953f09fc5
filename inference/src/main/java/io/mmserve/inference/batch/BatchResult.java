package io.mmserve.inference.batch;

import java.util.Objects;

/**
 * The outcome of one item of a batch: a value, or the exception that item alone fails with.
 *
 * @param <O> the value type
 */
public final class BatchResult<O> {
  private final O value;
  private final Throwable error;

  private BatchResult(O value, Throwable error) {
    this.value = value;
    this.error = error;
  }

  /** The item succeeded with {@code value}. */
  public static <O> BatchResult<O> success(O value) {
    return new BatchResult<>(value, null);
  }

  /** The item failed; only its caller sees {@code error}. */
  public static <O> BatchResult<O> failure(Throwable error) {
    return new BatchResult<>(null, Objects.requireNonNull(error, "error"));
  }

  public boolean isSuccess() {
    return error == null;
  }

  /** The value; null for a failure. */
  public O value() {
    return value;
  }

  /** The error; null for a success. */
  public Throwable error() {
    return error;
  }
}
