package io.mmserve.vision.encoder;

import io.mmserve.vision.image.RgbImage;

/**
 * One image after decoding, resizing and cropping, waiting for a model call: the 8-bit crop (a few
 * KiB, where the normalised floats would take four times as much while queued).
 *
 * @param crop the centre crop, of the model's input size
 * @param includeFeatures whether the caller wants the patch features too
 */
record ImageItem(RgbImage crop, boolean includeFeatures) {}
