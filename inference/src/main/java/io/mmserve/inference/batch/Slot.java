package io.mmserve.inference.batch;

/**
 * One item of a request, waiting in an {@link AsyncBatcher}'s queue.
 *
 * @param index the item's index in its request
 * @param bytes the item's size, as the batcher's sizer counts it
 * @param enqueuedNanos when it was queued, on the batcher's ticker
 */
record Slot<I, O>(Request<O> request, I item, int index, long bytes, long enqueuedNanos)
    implements KeyedQueue.Entry {}
