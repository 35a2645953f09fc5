package io.mmserve.gallery.lucene;

import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.util.quantization.QuantizedByteVectorValues.ScalarEncoding;

/**
 * The index writer settings of a collection: Lucene's default codec with the HNSW vector format of
 * the settings (int8 scalar-quantized by default, or binary-quantized; both keep the full float
 * vectors beside the quantized ones for re-ranking). The format's name is recorded per field in the
 * index, so an index opens with whatever format it was written with.
 */
final class LuceneCodecs {
  private LuceneCodecs() {}

  static IndexWriterConfig writerConfig(LuceneSettings settings) {
    KnnVectorsFormat format = vectorsFormat(settings);
    IndexWriterConfig config = new IndexWriterConfig();
    config.setCodec(
        new Lucene104Codec() {
          @Override
          public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
            return format;
          }
        });
    config.setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
    config.setCommitOnClose(false); // LuceneCollection commits itself, then empties its log
    return config;
  }

  static KnnVectorsFormat vectorsFormat(LuceneSettings settings) {
    return switch (settings.quantization()) {
      case INT8 ->
          new Lucene104HnswScalarQuantizedVectorsFormat(
              ScalarEncoding.UNSIGNED_BYTE, settings.hnswM(), settings.hnswEfConstruction());
      case BINARY ->
          new Lucene104HnswScalarQuantizedVectorsFormat(
              ScalarEncoding.SINGLE_BIT_QUERY_NIBBLE,
              settings.hnswM(),
              settings.hnswEfConstruction());
      case NONE -> new Lucene99HnswVectorsFormat(settings.hnswM(), settings.hnswEfConstruction());
    };
  }
}
