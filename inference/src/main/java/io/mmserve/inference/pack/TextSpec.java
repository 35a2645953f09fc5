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
 */
public record TextSpec(Path tokenizer, int contextLength, int padId, EncoderSpec encoder) {
  public TextSpec {
    Objects.requireNonNull(tokenizer, "tokenizer");
    Objects.requireNonNull(encoder, "encoder");
  }
}
