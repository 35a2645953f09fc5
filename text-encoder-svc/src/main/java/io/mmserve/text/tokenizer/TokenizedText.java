package io.mmserve.text.tokenizer;

/**
 * A text as the text encoder takes it: exactly context-length token ids and mask entries.
 *
 * <p>The arrays are handed over, not copied: neither the producer nor the consumer changes them.
 *
 * @param ids token ids, padded with the pack's pad id
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param tokenCount real tokens after truncation, start and end tokens included
 * @param truncated true when the text had more tokens than the context length holds
 */
public record TokenizedText(long[] ids, long[] attentionMask, int tokenCount, boolean truncated) {
  public TokenizedText {
    if (ids.length != attentionMask.length) {
      throw new IllegalArgumentException(
          ids.length + " ids but " + attentionMask.length + " attention mask entries");
    }
    if (tokenCount < 0 || tokenCount > ids.length) {
      throw new IllegalArgumentException(
          "tokenCount must be in 0.." + ids.length + ", but was " + tokenCount);
    }
  }

  /** The context length: the number of ids. */
  public int length() {
    return ids.length;
  }
}
