package io.mmserve.text.encoder;

import io.mmserve.inference.DType;
import io.mmserve.inference.pack.EncoderSpec;
import io.mmserve.inference.pack.ModelPackException;
import io.mmserve.inference.pack.TensorSpec;
import io.mmserve.inference.pack.TextSpec;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * What a pack's text encoder takes and gives, checked against the tensor names the text encoder
 * knows: it takes {@value #INPUT_IDS} and optionally {@value #ATTENTION_MASK} (a CLIP export takes
 * ids only), both INT64 [B, L]; it gives {@value #EMBEDDINGS} FLOAT32 [B, D] and optionally {@value
 * #TOKEN_FEATURES} FLOAT32 [B, L, W]. When the pack declares {@code dynamic_sequence}, L is dynamic
 * (-1) on every one of these tensors, and a batch may run at any L up to the context length.
 *
 * @param contextLength L of a fixed export, and the longest L of a dynamic one
 * @param takesAttentionMask whether the encoder declares the attention mask input
 * @param hasTokenFeatures whether the encoder declares the token features output
 * @param dynamicSequence whether the encoder takes any L from 1 to {@code contextLength}
 */
record TextModelIo(
    int contextLength,
    boolean takesAttentionMask,
    boolean hasTokenFeatures,
    boolean dynamicSequence) {
  static final String INPUT_IDS = "input_ids";
  static final String ATTENTION_MASK = "attention_mask";
  static final String EMBEDDINGS = "text_embeds";
  static final String TOKEN_FEATURES = "token_features";

  private static final Set<String> KNOWN_INPUTS = Set.of(INPUT_IDS, ATTENTION_MASK);

  /**
   * Reads and checks a text side of a manifest.
   *
   * @param pack names the pack in messages
   * @throws ModelPackException naming the pack and the tensor that does not fit
   */
  static TextModelIo of(String pack, TextSpec text, int embeddingDim) {
    EncoderSpec encoder = text.encoder();
    int length = text.contextLength();
    boolean dynamic = text.dynamicSequence();
    for (TensorSpec input : encoder.inputs()) {
      if (!KNOWN_INPUTS.contains(input.name())) {
        throw new ModelPackException(
            pack + ": text encoder input '" + input.name() + "' is not one of " + KNOWN_INPUTS);
      }
      require(pack, input, DType.INT64, new long[] {1, length});
      requireDynamicSequence(pack, input, dynamic);
    }
    if (encoder.input(INPUT_IDS).isEmpty()) {
      throw new ModelPackException(pack + ": text encoder has no '" + INPUT_IDS + "' input");
    }
    TensorSpec embeddings =
        encoder
            .output(EMBEDDINGS)
            .orElseThrow(
                () ->
                    new ModelPackException(
                        pack + ": text encoder has no '" + EMBEDDINGS + "' output"));
    require(pack, embeddings, DType.FLOAT32, new long[] {1, embeddingDim});
    Optional<TensorSpec> features = encoder.output(TOKEN_FEATURES);
    if (features.isPresent()) {
      TensorSpec spec = features.get();
      long width = spec.shape().size() == 3 ? spec.shape().get(2) : 1;
      require(pack, spec, DType.FLOAT32, new long[] {1, length, width});
      requireDynamicSequence(pack, spec, dynamic);
    }
    return new TextModelIo(
        length, encoder.input(ATTENTION_MASK).isPresent(), features.isPresent(), dynamic);
  }

  /** With {@code dynamic_sequence}, the tensor's sequence axis (axis 1) must be declared -1. */
  private static void requireDynamicSequence(String pack, TensorSpec spec, boolean dynamic) {
    if (dynamic && spec.shape().get(1) != TensorSpec.DYNAMIC) {
      throw new ModelPackException(
          pack
              + ": text.dynamic_sequence is true, so text encoder tensor '"
              + spec.name()
              + "' must declare its sequence axis as -1, but its shape is "
              + spec.shape());
    }
  }

  private static void require(String pack, TensorSpec spec, DType dtype, long[] example) {
    if (spec.dtype() != dtype || !spec.accepts(example)) {
      throw new ModelPackException(
          pack
              + ": text encoder tensor '"
              + spec.name()
              + "' must be "
              + dtype
              + " with a shape like "
              + Arrays.toString(example)
              + ", but is "
              + spec.dtype()
              + " "
              + spec.shape());
    }
  }
}
