package io.mmserve.inference.batch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * The queue of {@link AsyncBatcher}: one FIFO per key, with the count of items and bytes they hold.
 * Not thread-safe; the batcher guards it with its lock.
 *
 * @param <K> the batch key
 * @param <E> a queued entry
 */
final class KeyedQueue<K, E extends KeyedQueue.Entry> {
  /** What the queue needs to know of an entry. */
  interface Entry {
    long bytes();

    long enqueuedNanos();
  }

  private final LinkedHashMap<K, ArrayDeque<E>> queues = new LinkedHashMap<>();
  private int items;
  private long bytes;

  int items() {
    return items;
  }

  long bytes() {
    return bytes;
  }

  void add(K key, List<E> entries) {
    queues.computeIfAbsent(key, k -> new ArrayDeque<>()).addAll(entries);
    items += entries.size();
    entries.forEach(e -> bytes += e.bytes());
  }

  /** Removes every entry {@code gone} says nobody waits for; returns how many. */
  int removeIf(Predicate<E> gone) {
    int removed = 0;
    Iterator<ArrayDeque<E>> keys = queues.values().iterator();
    while (keys.hasNext()) {
      ArrayDeque<E> queue = keys.next();
      Iterator<E> entries = queue.iterator();
      while (entries.hasNext()) {
        E entry = entries.next();
        if (gone.test(entry)) {
          entries.remove();
          forget(entry);
          removed++;
        }
      }
      if (queue.isEmpty()) {
        keys.remove();
      }
    }
    return removed;
  }

  /**
   * The key whose batch may go first: the key with a full batch ({@code maxBatchSize} entries), or
   * else the key of the oldest entry; null when empty.
   *
   * @param oldestMayWait whether a key that is not full may wait (its delay has not passed); the
   *     oldest key is returned regardless when it may not
   */
  K next(int maxBatchSize, Predicate<E> oldestMayWait) {
    Map.Entry<K, ArrayDeque<E>> oldest = null;
    for (Map.Entry<K, ArrayDeque<E>> e : queues.entrySet()) {
      if (oldest == null
          || e.getValue().peekFirst().enqueuedNanos()
              < oldest.getValue().peekFirst().enqueuedNanos()) {
        oldest = e;
      }
    }
    if (oldest == null
        || oldest.getValue().size() >= maxBatchSize
        || !oldestMayWait.test(oldest.getValue().peekFirst())) {
      return oldest == null ? null : oldest.getKey();
    }
    for (Map.Entry<K, ArrayDeque<E>> e : queues.entrySet()) {
      if (e.getValue().size() >= maxBatchSize) {
        return e.getKey();
      }
    }
    return null;
  }

  /** The oldest entry of all; null when empty. */
  E oldest() {
    E oldest = null;
    for (ArrayDeque<E> queue : queues.values()) {
      if (oldest == null || queue.peekFirst().enqueuedNanos() < oldest.enqueuedNanos()) {
        oldest = queue.peekFirst();
      }
    }
    return oldest;
  }

  /**
   * Takes the next batch of {@code key}: at most {@code maxItems} entries and {@code maxBytes}
   * bytes (one larger entry goes alone), skipping and removing the entries {@code gone} names.
   *
   * @param dropped told each skipped entry
   */
  List<E> take(K key, int maxItems, long maxBytes, Predicate<E> gone, Consumer<E> dropped) {
    return take(key, maxItems, maxBytes, gone, dropped, null);
  }

  /**
   * {@link #take(Object, int, long, Predicate, Consumer)}, grouping entries of similar size: when
   * the key holds more than {@code maxItems} entries, the batch is its oldest entry and then the
   * entries whose {@code group} is closest to the oldest's (the older first among equals), so that
   * similar entries share a batch. The oldest entry always goes, so no entry waits longer than it
   * would behind the same entries in plain FIFO order.
   *
   * @param group an entry's group (for texts, the padded sequence length); null for FIFO order
   */
  List<E> take(
      K key,
      int maxItems,
      long maxBytes,
      Predicate<E> gone,
      Consumer<E> dropped,
      ToIntFunction<E> group) {
    ArrayDeque<E> queue = queues.get(key);
    if (group != null && queue != null && queue.size() > maxItems) {
      List<E> grouped = takeGrouped(queue, maxItems, maxBytes, gone, dropped, group);
      if (queue.isEmpty()) {
        queues.remove(key);
      }
      return grouped;
    }
    List<E> batch = new ArrayList<>();
    long batchBytes = 0;
    while (queue != null && !queue.isEmpty() && batch.size() < maxItems) {
      E next = queue.peekFirst();
      if (gone.test(next)) {
        forget(queue.pollFirst());
        dropped.accept(next);
        continue;
      }
      if (!batch.isEmpty() && batchBytes + next.bytes() > maxBytes) {
        break;
      }
      forget(queue.pollFirst());
      batchBytes += next.bytes();
      batch.add(next);
    }
    if (queue != null && queue.isEmpty()) {
      queues.remove(key);
    }
    return batch;
  }

  /**
   * The oldest entry, then the entries nearest to it in group (FIFO among equal distances), within
   * the bounds; the entries left keep their FIFO order, so the queue's first entry stays its
   * oldest.
   */
  private List<E> takeGrouped(
      ArrayDeque<E> queue,
      int maxItems,
      long maxBytes,
      Predicate<E> gone,
      Consumer<E> dropped,
      ToIntFunction<E> group) {
    Iterator<E> entries = queue.iterator();
    while (entries.hasNext()) {
      E entry = entries.next();
      if (gone.test(entry)) {
        entries.remove();
        forget(entry);
        dropped.accept(entry);
      }
    }
    if (queue.isEmpty()) {
      return List.of();
    }
    int anchor = group.applyAsInt(queue.peekFirst());
    List<E> byDistance = new ArrayList<>(queue);
    byDistance.sort(Comparator.comparingInt(e -> Math.abs(group.applyAsInt(e) - anchor)));
    List<E> batch = new ArrayList<>();
    long batchBytes = 0;
    for (E next : byDistance) {
      if (batch.size() >= maxItems || (!batch.isEmpty() && batchBytes + next.bytes() > maxBytes)) {
        break;
      }
      batchBytes += next.bytes();
      batch.add(next);
    }
    Set<E> taken = Collections.newSetFromMap(new IdentityHashMap<>());
    taken.addAll(batch);
    queue.removeIf(taken::contains);
    batch.forEach(this::forget);
    return batch;
  }

  /** Empties the queue, telling {@code each} every entry. */
  void clear(Consumer<E> each) {
    queues.values().forEach(q -> q.forEach(each));
    queues.clear();
    items = 0;
    bytes = 0;
  }

  private void forget(E entry) {
    items--;
    bytes -= entry.bytes();
  }
}
