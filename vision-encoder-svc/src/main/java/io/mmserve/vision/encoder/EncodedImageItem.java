package io.mmserve.vision;

import io.mmserve.inference.Tensor;

/**
 * The model outputs for one image, as rows of the batch outputs (sharing their buffers).
 *
 * @param embedding FLOAT32 [D], as the model output it
 * @param patchFeatures FLOAT32 [P, W], or null when the caller did not ask for them
 */
record ItemEncoding(Tensor embedding, Tensor patchFeatures) {}
