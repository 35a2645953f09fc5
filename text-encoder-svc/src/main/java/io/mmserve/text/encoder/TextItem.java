package io.mmserve.text.encoder;

import io.mmserve.text.tokenizer.TokenizedText;

/**
 * One text on its way through the batcher.
 *
 * @param tokens the tokenized text
 * @param includeFeatures whether its token features are wanted
 */
record TextItem(TokenizedText tokens, boolean includeFeatures) {}
