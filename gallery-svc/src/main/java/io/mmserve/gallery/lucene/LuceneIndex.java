package io.mmserve.gallery.lucene;

import io.mmserve.gallery.index.CollectionInfo;
import io.mmserve.gallery.index.CollectionSpec;
import io.mmserve.gallery.index.Gallery;
import io.mmserve.gallery.index.Item;
import io.mmserve.gallery.index.SearchQuery;
import io.mmserve.gallery.index.SearchResult;
import io.mmserve.gallery.index.VectorIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded backend: one {@link LuceneCollection} (a Lucene index and a write-ahead log) per
 * folder under the data dir. {@link #open} removes what an interrupted create or drop left, opens
 * every collection (replaying its log) and starts one daemon thread that commits every collection
 * with logged writes each {@link LuceneSettings#commitInterval()}, and a pool of {@link
 * LuceneSettings#exactThreads()} - 1 daemon threads that score slices of exact searches.
 *
 * <p>Thread-safe; the caller closes it (which commits everything).
 */
public final class LuceneIndex implements VectorIndex {
  /** The backend's name in listings and spec files. */
  public static final String BACKEND = "lucene";

  private static final Logger log = LoggerFactory.getLogger(LuceneIndex.class);

  private final LuceneSettings settings;
  private final ConcurrentSkipListMap<String, LuceneCollection> collections =
      new ConcurrentSkipListMap<>();
  private final Object lifecycle = new Object(); // serialises create, drop and close
  private final ScheduledExecutorService committer;
  private final ExecutorService exactSearchers; // the slices of exact searches beyond the caller's

  private LuceneIndex(LuceneSettings settings) {
    this.settings = settings;
    this.committer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gallery-lucene-commits");
              t.setDaemon(true);
              return t;
            });
    AtomicInteger threads = new AtomicInteger();
    this.exactSearchers =
        Executors.newFixedThreadPool(
            Math.max(1, settings.exactThreads() - 1),
            r -> {
              Thread t = new Thread(r, "gallery-exact-search-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** Opens every collection under the data dir (creating the dir if needed). */
  public static LuceneIndex open(LuceneSettings settings) throws IOException {
    Path dataDir = Files.createDirectories(settings.dataDir());
    LuceneIndex index = new LuceneIndex(settings);
    try (Stream<Path> folders = Files.list(dataDir)) {
      for (Path folder : folders.filter(Files::isDirectory).sorted().toList()) {
        if (CollectionFiles.isLeftover(folder)) {
          log.info("removing {}, left by an interrupted create or drop", folder);
          CollectionFiles.deleteRecursively(folder);
          continue;
        }
        CollectionSpec spec = CollectionFiles.read(folder);
        index.collections.put(
            spec.name(), LuceneCollection.open(folder, spec, settings, index.exactSearchers));
      }
    } catch (IOException | RuntimeException e) {
      index.close();
      throw e;
    }
    long every = settings.commitInterval().toMillis();
    index.committer.scheduleWithFixedDelay(index::commitAll, every, every, TimeUnit.MILLISECONDS);
    return index;
  }

  @Override
  public String backend() {
    return BACKEND;
  }

  @Override
  public Ensured ensureCollection(CollectionSpec spec) {
    synchronized (lifecycle) {
      LuceneCollection existing = collections.get(spec.name());
      if (existing != null) {
        return new Ensured(existing.spec(), false);
      }
      try {
        Path folder = CollectionFiles.create(settings.dataDir(), spec);
        collections.put(spec.name(), LuceneCollection.open(folder, spec, settings, exactSearchers));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      log.info(
          "created collection {} ({}, dimension {})", spec.name(), spec.model(), spec.dimension());
      return new Ensured(spec, true);
    }
  }

  @Override
  public Optional<CollectionInfo> describe(String collection) {
    LuceneCollection c = collections.get(collection);
    return c == null ? Optional.empty() : Optional.of(info(c));
  }

  @Override
  public List<CollectionInfo> list() {
    List<CollectionInfo> all = new ArrayList<>();
    for (LuceneCollection c : collections.values()) {
      all.add(info(c));
    }
    return all;
  }

  @Override
  public long upsert(String collection, List<Item> items) {
    try {
      return get(collection).upsert(items);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public int delete(String collection, Collection<String> ids) {
    try {
      return get(collection).delete(ids);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public SearchResult search(String collection, SearchQuery query) {
    try {
      return get(collection).search(query);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public long drop(String collection) {
    synchronized (lifecycle) {
      LuceneCollection c = get(collection);
      try {
        long size = c.size();
        collections.remove(collection);
        c.discard();
        CollectionFiles.delete(settings.dataDir(), c.folder());
        log.info("dropped collection {} ({} items)", collection, size);
        return size;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Commits every collection with logged writes; the periodic task, also for tests. */
  public void commitAll() {
    for (LuceneCollection c : collections.values()) {
      try {
        c.commit();
      } catch (IOException | RuntimeException e) {
        log.warn("commit of collection {} failed; its log keeps the writes", c.spec().name(), e);
      }
    }
  }

  @Override
  public void close() {
    committer.shutdownNow();
    exactSearchers.shutdownNow(); // searches have returned: the service stops serving first
    synchronized (lifecycle) {
      for (LuceneCollection c : collections.values()) {
        try {
          c.close();
        } catch (IOException | RuntimeException e) {
          log.warn("closing collection {} failed; its log keeps the writes", c.spec().name(), e);
        }
      }
      collections.clear();
    }
  }

  private LuceneCollection get(String collection) {
    LuceneCollection c = collections.get(collection);
    if (c == null) {
      throw Gallery.notFound(collection);
    }
    return c;
  }

  private CollectionInfo info(LuceneCollection c) {
    try {
      return new CollectionInfo(c.spec(), c.size(), BACKEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
