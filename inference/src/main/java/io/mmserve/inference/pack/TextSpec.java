package io.mmserve.inference.pack;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The text side of a pack.
 *
 * @param tokenizer the Hugging Face tokenizer.json, resolved against the pack directory
 * @param contextLength tokens per text after padding and truncation
 * @param padId the token id used for padding
 * @param encoder the text encoder
 * @param dynamicSequence whether the encoder takes any sequence length from 1 to {@code
 *     maxSequenceLength} (manifest {@code dynamic_sequence}, default false: only {@code
 *     contextLength}); a service may then pad a batch only to its longest text
 * @param maxSequenceLength the longest sequence the encoder takes (manifest {@code
 *     max_sequence_length}, default {@code contextLength}); at least {@code contextLength}
 */
public record TextSpec(
    Path tokenizer,
    int contextLength,
    int padId,
    EncoderSpec encoder,
    boolean dynamicSequence,
    int maxSequenceLength) {
  public TextSpec {
    Objects.requireNonNull(tokenizer, "tokenizer");
    Objects.requireNonNull(encoder, "encoder");
    if (maxSequenceLength < contextLength) {
      throw new ModelPackException(
          "text.max_sequence_length must be at least text.context_length ("
              + contextLength
              + "), but was "
              + maxSequenceLength);
    }
  }

  /** The text side of a pack exported for exactly {@code contextLength} tokens (format 1). */
  public TextSpec(Path tokenizer, int contextLength, int padId, EncoderSpec encoder) {
    this(tokenizer, contextLength, padId, encoder, false, contextLength);
  }
}
