package io.mmserve.text.encoder;

import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The sequence lengths a text batch is padded to when the encoder takes any length: a batch runs at
 * the smallest bucket that holds its longest text, and never past the pack's context length (which
 * is always the last bucket). Few lengths let ONNX Runtime (and Triton) reuse the plans and buffers
 * made for each shape.
 *
 * <p>Immutable and thread-safe.
 */
public final class SequenceBuckets {
  /** Lowest and highest bucket a setting may name. */
  public static final int MIN_BUCKET = 1;

  public static final int MAX_BUCKET = 65_536;

  /** The default buckets: short captions at 16, prompts and sentences up to CLIP's 77. */
  public static final List<Integer> DEFAULT = List.of(16, 32, 48, 64);

  private final int[] buckets; // ascending, distinct

  private SequenceBuckets(int[] buckets) {
    this.buckets = buckets;
  }

  /** No buckets: every batch is padded to the context length, as for a fixed-length export. */
  public static SequenceBuckets fixed() {
    return new SequenceBuckets(new int[0]);
  }

  /**
   * Buckets from a setting's values.
   *
   * @param key the setting, named in messages
   * @throws IllegalArgumentException naming {@code key} and the bad value when a bucket is out of
   *     {@value #MIN_BUCKET}..{@value #MAX_BUCKET} or the list is empty
   */
  public static SequenceBuckets of(String key, List<Integer> lengths) {
    if (lengths.isEmpty()) {
      throw new IllegalArgumentException(
          key + " must list at least one sequence length, but was []");
    }
    TreeSet<Integer> sorted = new TreeSet<>();
    for (int length : lengths) {
      if (length < MIN_BUCKET || length > MAX_BUCKET) {
        throw new IllegalArgumentException(
            key
                + " must list sequence lengths in "
                + MIN_BUCKET
                + ".."
                + MAX_BUCKET
                + ", but has "
                + length);
      }
      sorted.add(length);
    }
    return new SequenceBuckets(sorted.stream().mapToInt(Integer::intValue).toArray());
  }

  /**
   * The length a batch whose longest text has {@code longest} tokens is padded to: the smallest
   * bucket at least {@code longest}, or {@code contextLength} when no bucket below it holds it.
   *
   * @param longest real tokens of the batch's longest text, start and end tokens included
   * @param contextLength the pack's context length; no text is longer
   * @throws IllegalArgumentException if {@code longest} is not in 0..contextLength
   */
  public int lengthFor(int longest, int contextLength) {
    if (longest < 0 || longest > contextLength) {
      throw new IllegalArgumentException(
          "a text of " + longest + " tokens does not fit a context of " + contextLength);
    }
    for (int bucket : buckets) {
      if (bucket >= contextLength) {
        break;
      }
      if (bucket >= longest) {
        return bucket;
      }
    }
    return contextLength;
  }

  /** The buckets, ascending. */
  public List<Integer> lengths() {
    return Arrays.stream(buckets).boxed().toList();
  }

  @Override
  public String toString() {
    return Arrays.toString(buckets);
  }
}
