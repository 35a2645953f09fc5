package io.mmserve.gallery.lucene;

import io.mmserve.gallery.index.CollectionSpec;
import io.mmserve.gallery.index.Gallery;
import io.mmserve.gallery.index.Item;
import io.mmserve.gallery.index.SearchQuery;
import io.mmserve.gallery.index.SearchResult;
import io.mmserve.gallery.wal.WalRecord;
import io.mmserve.gallery.wal.WriteAheadLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executor;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.FSDirectory;

/**
 * One collection: a Lucene index (one {@link IndexWriter}, near-real-time searchers) and its {@link
 * WriteAheadLog}. A write is logged and applied under one lock (so log and index agree on the
 * order), the searchers are refreshed (a search sees every returned write), and the writer then
 * waits outside the lock until the log is on disk, sharing the fsync with concurrent writers.
 * {@link #commit} makes the index durable and empties the log. At open, the log is replayed into
 * the index (upserts and deletes by id are idempotent, so a record already in the last commit does
 * no harm) and committed.
 *
 * <p>Thread-safe. The {@link LuceneIndex} owns it and closes it.
 */
final class LuceneCollection implements AutoCloseable {
  private final CollectionSpec spec;
  private final Path folder;
  private final LuceneSettings settings;
  private final FSDirectory directory;
  private final IndexWriter writer;
  private final WriteAheadLog wal;
  private final SearcherManager searchers;
  private final Executor exactExecutor;
  private final Object writeLock = new Object();
  private boolean closed; // guarded by writeLock

  private LuceneCollection(
      CollectionSpec spec,
      Path folder,
      LuceneSettings settings,
      FSDirectory directory,
      IndexWriter writer,
      WriteAheadLog wal,
      Executor exactExecutor)
      throws IOException {
    this.spec = spec;
    this.folder = folder;
    this.settings = settings;
    this.directory = directory;
    this.writer = writer;
    this.wal = wal;
    this.searchers = new SearcherManager(writer, null);
    this.exactExecutor = exactExecutor;
  }

  /**
   * Opens the collection in {@code folder}, replaying its log.
   *
   * @param exactExecutor runs slices of exact searches (owned by the caller)
   */
  static LuceneCollection open(
      Path folder, CollectionSpec spec, LuceneSettings settings, Executor exactExecutor)
      throws IOException {
    FSDirectory directory = FSDirectory.open(folder.resolve(CollectionFiles.INDEX_DIR));
    IndexWriter writer = null;
    WriteAheadLog wal = null;
    try {
      writer = new IndexWriter(directory, LuceneCodecs.writerConfig(settings));
      IndexWriter target = writer;
      List<WalRecord> replayed = new ArrayList<>();
      wal =
          WriteAheadLog.open(
              folder.resolve(CollectionFiles.LOG_FILE),
              record -> {
                apply(target, record);
                replayed.add(record);
              });
      if (!replayed.isEmpty()) {
        writer.commit();
        wal.reset();
      }
      return new LuceneCollection(spec, folder, settings, directory, writer, wal, exactExecutor);
    } catch (IOException | RuntimeException e) {
      closeQuietly(wal);
      if (writer != null) {
        writer.rollback();
      }
      directory.close();
      throw e;
    }
  }

  CollectionSpec spec() {
    return spec;
  }

  Path folder() {
    return folder;
  }

  /** Adds or replaces the items; returns the collection's size once the write is durable. */
  long upsert(List<Item> items) throws IOException {
    return write(new WalRecord.Upsert(items), null);
  }

  /** Removes the items with these ids; returns how many existed, once the removal is durable. */
  int delete(Collection<String> ids) throws IOException {
    int[] removed = new int[1];
    write(new WalRecord.Delete(List.copyOf(ids)), removed);
    return removed[0];
  }

  /** Searches what every returned write left. */
  SearchResult search(SearchQuery query) throws IOException {
    IndexSearcher searcher;
    try {
      searcher = searchers.acquire();
    } catch (AlreadyClosedException e) {
      throw Gallery.notFound(spec.name()); // dropped meanwhile
    }
    try {
      return new VectorSearch(
              searcher,
              settings.exactMaxSize(),
              settings.rerankOversample(),
              exactExecutor,
              settings.exactThreads())
          .search(query);
    } finally {
      searchers.release(searcher);
    }
  }

  /** Items in the collection now. */
  long size() throws IOException {
    IndexSearcher searcher;
    try {
      searcher = searchers.acquire();
    } catch (AlreadyClosedException e) {
      throw Gallery.notFound(spec.name()); // dropped meanwhile
    }
    try {
      return searcher.getIndexReader().numDocs();
    } finally {
      searchers.release(searcher);
    }
  }

  /** Commits the index if the log holds writes, then empties the log. */
  void commit() throws IOException {
    synchronized (writeLock) {
      if (closed || wal.sizeBytes() == 0) {
        return;
      }
      writer.commit();
      wal.reset();
    }
  }

  /** Commits and closes. */
  @Override
  public void close() throws IOException {
    synchronized (writeLock) {
      if (closed) {
        return;
      }
      commit();
      closed = true;
      searchers.close();
      writer.close();
      wal.close();
      directory.close();
    }
  }

  /** Closes without committing: the collection's files are about to be deleted. */
  void discard() throws IOException {
    synchronized (writeLock) {
      if (closed) {
        return;
      }
      closed = true;
      searchers.close();
      writer.rollback();
      wal.close();
      directory.close();
    }
  }

  private long write(WalRecord record, int[] removed) throws IOException {
    long sequence;
    long size;
    synchronized (writeLock) {
      if (closed) {
        throw Gallery.notFound(spec.name());
      }
      if (removed != null) {
        removed[0] = countExisting(((WalRecord.Delete) record).ids());
      }
      sequence = wal.append(record);
      apply(writer, record);
      searchers.maybeRefreshBlocking();
      size = size();
    }
    try {
      wal.awaitDurable(sequence);
    } catch (IOException e) {
      synchronized (writeLock) {
        if (closed) {
          throw Gallery.notFound(spec.name()); // dropped while waiting
        }
      }
      throw e;
    }
    return size;
  }

  private int countExisting(List<String> ids) throws IOException {
    IndexSearcher searcher = searchers.acquire();
    try {
      return searcher.count(LuceneFilters.ids(ids));
    } finally {
      searchers.release(searcher);
    }
  }

  private static void apply(IndexWriter writer, WalRecord record) {
    try {
      switch (record) {
        case WalRecord.Upsert upsert -> {
          for (Item item : upsert.items()) {
            writer.updateDocument(
                LuceneDocuments.idTerm(item.id()), LuceneDocuments.toDocument(item));
          }
        }
        case WalRecord.Delete delete -> writer.deleteDocuments(LuceneFilters.ids(delete.ids()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable != null) {
      try {
        closeable.close();
      } catch (Exception ignored) {
        // already failing; the first error is the one to report
      }
    }
  }
}
