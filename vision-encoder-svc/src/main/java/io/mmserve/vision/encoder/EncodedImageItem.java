package io.mmserve.vision.encoder;

import io.mmserve.inference.Tensor;

/**
 * The model outputs for one image, as rows of the batch outputs (sharing their buffers).
 *
 * @param embedding FLOAT32 [D], as the model output it
 * @param patchFeatures FLOAT32 [P, W], or null when the caller did not ask for them
 */
record EncodedImageItem(Tensor embedding, Tensor patchFeatures) {}
