package io.mmserve.gallery.index;

/**
 * A collection as listed.
 *
 * @param spec what it is fixed to
 * @param size items it holds
 * @param backend the index backend that stores it ("lucene")
 */
public record CollectionInfo(CollectionSpec spec, long size, String backend) {}
