package io.mmserve.inference.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/**
 * {@link KeyedQueue#take} with a group function: similar entries share a batch, the oldest goes.
 */
class KeyedQueueGroupingTest {
  private static final String KEY = "texts";
  private static final ToIntFunction<Text> LENGTH = Text::length;

  /** A queued text: its name, padded length and enqueue time. */
  private record Text(String name, int length, long enqueuedNanos) implements KeyedQueue.Entry {
    @Override
    public long bytes() {
      return 1;
    }
  }

  private final KeyedQueue<String, Text> queue = new KeyedQueue<>();
  private final List<Text> dropped = new ArrayList<>();

  @Test
  void take_groupsTheEntriesNearestInLengthToTheOldestWhenMoreThanABatchIsQueued() {
    add(16, 77, 16, 77, 32, 16);

    assertEquals(List.of("t0", "t2", "t5"), names(take(3)));
    // the rest keep their FIFO order, so the oldest left goes first next time
    assertEquals("t1", queue.oldest().name());
    assertEquals(List.of("t1", "t3", "t4"), names(take(3)));
  }

  @Test
  void take_alwaysTakesTheOldestEvenWhenItIsTheLongest() {
    add(77, 16, 16, 16, 16);

    List<Text> batch = take(2);

    assertEquals("t0", batch.get(0).name());
    assertEquals(2, batch.size());
  }

  @Test
  void take_prefersTheNearestLengthThenTheOlder() {
    add(32, 16, 48, 16, 77);

    // 32 first; 16 and 48 are both 16 away, the older (t1) wins; then t2
    assertEquals(List.of("t0", "t1", "t2"), names(take(3)));
  }

  @Test
  void take_isFifoWhenAtMostABatchIsQueued() {
    add(77, 16, 32);

    assertEquals(List.of("t0", "t1", "t2"), names(take(3)));
    assertEquals(0, queue.items());
  }

  @Test
  void take_withoutAGroupIsFifo() {
    add(16, 77, 16, 77);

    List<Text> batch = queue.take(KEY, 2, Long.MAX_VALUE, t -> false, dropped::add, null);

    assertEquals(List.of("t0", "t1"), names(batch));
  }

  @Test
  void take_dropsEntriesNobodyWaitsForBeforeGrouping() {
    add(16, 16, 77, 16, 16);

    List<Text> batch =
        queue.take(KEY, 2, Long.MAX_VALUE, t -> t.name().equals("t1"), dropped::add, LENGTH);

    assertEquals(List.of("t0", "t3"), names(batch));
    assertEquals(List.of("t1"), names(dropped));
    assertEquals(2, queue.items());
  }

  private void add(int... lengths) {
    List<Text> texts = new ArrayList<>();
    for (int i = 0; i < lengths.length; i++) {
      texts.add(new Text("t" + i, lengths[i], i));
    }
    queue.add(KEY, texts);
  }

  private List<Text> take(int maxItems) {
    return queue.take(KEY, maxItems, Long.MAX_VALUE, t -> false, dropped::add, LENGTH);
  }

  private static List<String> names(List<Text> texts) {
    return texts.stream().map(Text::name).toList();
  }
}
