package io.mmserve.gallery;

import io.mmserve.gallery.elastic.ElasticIndex;
import io.mmserve.gallery.index.Gallery;
import io.mmserve.gallery.index.VectorIndex;
import io.mmserve.gallery.lucene.LuceneIndex;
import io.mmserve.gallery.lucene.VectorScoring;
import io.mmserve.kit.errors.MmserveException;
import io.mmserve.kit.server.ServiceParts;
import io.mmserve.kit.server.ServiceRunner;
import io.mmserve.kit.server.Startup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts gallery-svc: opens the index backend ({@code index.backend}: the collections under the
 * data dir, replaying their write-ahead logs, or a client of an Elasticsearch cluster) and serves
 * {@code mmserve.gallery.v1.Gallery}. {@link ServiceRunner} does the rest the same way for every
 * service: the config, health and reflection, the admin endpoint, the log line {@code "gallery-svc
 * serving on HOST:PORT"}, exit codes and the graceful stop on SIGTERM or SIGINT (the index commits
 * and closes after the servers).
 */
public final class Main {
  static final String SERVICE = "gallery-svc";

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    int exit =
        new ServiceRunner<>(SERVICE, GalleryConfig.defaults(), GalleryConfig::from, Main::build)
            .run(args);
    if (exit != 0) {
      System.exit(exit); // a stopped service returns 0: its shutdown hook has run
    }
  }

  private static ServiceParts build(GalleryConfig settings, Startup startup) throws Exception {
    VectorIndex index =
        switch (settings.backend()) {
          case LUCENE -> {
            LuceneIndex lucene = startup.closeOnStop(LuceneIndex.open(settings.lucene()));
            log.info(
                "{} data in {}: {} collections",
                SERVICE,
                settings.lucene().dataDir(),
                lucene.list().size());
            if (VectorScoring.vectorApi()) {
              log.info(VectorScoring.describe(true));
            } else {
              log.warn(VectorScoring.describe(false));
            }
            yield lucene;
          }
          case ELASTICSEARCH -> {
            ElasticIndex elastic = startup.closeOnStop(ElasticIndex.open(settings.elastic()));
            logCollections(elastic, settings);
            yield elastic;
          }
        };
    return ServiceParts.of(new GalleryService(new Gallery(index, settings.limits())));
  }

  /** The cluster may be down at start: gallery-svc serves anyway, answering UNAVAILABLE. */
  private static void logCollections(ElasticIndex index, GalleryConfig settings) {
    try {
      log.info(
          "{} collections in Elasticsearch at {} (indices {}*): {}",
          SERVICE,
          settings.elastic().urlList(),
          settings.elastic().indexPrefix(),
          index.list().size());
    } catch (MmserveException e) {
      log.warn("{}: {}; serving anyway, calls fail until it answers", SERVICE, e.getMessage());
    }
  }
}
