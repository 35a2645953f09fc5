package io.mmserve.gallery.wal;

import io.mmserve.gallery.index.Item;
import java.util.List;

/** One write of a collection, as the write-ahead log keeps it until the index has committed it. */
public sealed interface WalRecord {
  /** Items added or replaced. */
  record Upsert(List<Item> items) implements WalRecord {
    public Upsert {
      items = List.copyOf(items);
    }
  }

  /** Ids removed. */
  record Delete(List<String> ids) implements WalRecord {
    public Delete {
      ids = List.copyOf(ids);
    }
  }
}
