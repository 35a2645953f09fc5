package io.mmserve.gallery;

import io.mmserve.gallery.index.Gallery;
import io.mmserve.gallery.lucene.LuceneIndex;
import io.mmserve.kit.server.ServiceParts;
import io.mmserve.kit.server.ServiceRunner;
import io.mmserve.kit.server.Startup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts gallery-svc: opens the collections under the data dir (replaying their write-ahead logs)
 * and serves {@code mmserve.gallery.v1.Gallery}. {@link ServiceRunner} does the rest the same way
 * for every service: the config, health and reflection, the admin endpoint, the log line {@code
 * "gallery-svc serving on HOST:PORT"}, exit codes and the graceful stop on SIGTERM or SIGINT (the
 * index commits and closes after the servers).
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
    LuceneIndex index = startup.closeOnStop(LuceneIndex.open(settings.lucene()));
    log.info(
        "{} data in {}: {} collections", SERVICE, settings.lucene().dataDir(), index.list().size());
    return ServiceParts.of(new GalleryService(new Gallery(index, settings.limits())));
  }
}
