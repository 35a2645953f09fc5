package io.mmserve.vision.encoder;

/**
 * One image waiting for a model call, ready to run: its normalised pixels ({@code 3 x S x S} floats
 * in a buffer leased from {@link PreparedSlots}; the model call copies them into its batch).
 *
 * @param pixels the leased buffer; given back by whoever queued the item once it is answered
 * @param includeFeatures whether the caller wants the patch features too
 */
record ImageItem(PreparedSlots.Lease pixels, boolean includeFeatures) {}
