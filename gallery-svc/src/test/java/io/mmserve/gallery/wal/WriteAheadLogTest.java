package io.mmserve.gallery.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmserve.gallery.index.Item;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteAheadLogTest {
  @TempDir Path dir;

  private static WalRecord upsert(String id, float... vector) {
    return new WalRecord.Upsert(List.of(new Item(id, vector, Map.of("k", "v-" + id))));
  }

  private List<WalRecord> replay(Path file) throws IOException {
    List<WalRecord> records = new ArrayList<>();
    WriteAheadLog.open(file, records::add).close();
    return records;
  }

  private static List<String> ids(List<WalRecord> records) {
    List<String> ids = new ArrayList<>();
    for (WalRecord r : records) {
      switch (r) {
        case WalRecord.Upsert u -> u.items().forEach(i -> ids.add(i.id()));
        case WalRecord.Delete d -> d.ids().forEach(id -> ids.add("-" + id));
      }
    }
    return ids;
  }

  @Test
  void open_replaysDurableRecordsInOrder() throws IOException {
    Path file = dir.resolve("wal.log");
    try (WriteAheadLog wal = WriteAheadLog.open(file, r -> {})) {
      wal.append(upsert("a", 1, 0));
      wal.append(new WalRecord.Delete(List.of("a", "b")));
      wal.awaitDurable(wal.append(upsert("c", 0, 1)));
    }

    List<WalRecord> records = replay(file);

    assertEquals(List.of("a", "-a", "-b", "c"), ids(records));
    Item c = ((WalRecord.Upsert) records.get(2)).items().getFirst();
    assertArrayEquals(new float[] {0, 1}, c.vector());
    assertEquals(Map.of("k", "v-c"), c.metadata());
  }

  @Test
  void open_replaysThumbnailsBesideItemsWithout() throws IOException {
    Path file = dir.resolve("wal.log");
    byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, 1, 2, 3};
    try (WriteAheadLog wal = WriteAheadLog.open(file, r -> {})) {
      wal.awaitDurable(
          wal.append(
              new WalRecord.Upsert(
                  List.of(
                      new Item("with", new float[] {1, 0}, Map.of("k", "v"), jpeg),
                      new Item("without", new float[] {0, 1}, Map.of())))));
    }

    List<Item> items = ((WalRecord.Upsert) replay(file).getFirst()).items();

    assertArrayEquals(jpeg, items.get(0).thumbnail());
    assertEquals(Map.of("k", "v"), items.get(0).metadata());
    assertArrayEquals(new byte[0], items.get(1).thumbnail());
    assertArrayEquals(new float[] {0, 1}, items.get(1).vector());
  }

  @Test
  void open_tornLastRecord_isDroppedAndCutOff() throws IOException {
    Path file = dir.resolve("wal.log");
    long whole;
    try (WriteAheadLog wal = WriteAheadLog.open(file, r -> {})) {
      wal.append(upsert("a", 1, 0));
      whole = wal.sizeBytes();
      wal.awaitDurable(wal.append(upsert("b", 0, 1)));
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(Files.size(file) - 3); // a crash in the middle of the last write
    }

    assertEquals(List.of("a"), ids(replay(file)));
    assertEquals(whole, Files.size(file));
  }

  @Test
  void open_lastRecordWithBadChecksum_isDropped() throws IOException {
    Path file = dir.resolve("wal.log");
    try (WriteAheadLog wal = WriteAheadLog.open(file, r -> {})) {
      wal.append(upsert("a", 1, 0));
      wal.awaitDurable(wal.append(upsert("b", 0, 1)));
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      // full length, but some of the last bytes never reached the disk as written
      channel.write(ByteBuffer.wrap(new byte[] {0x7f, 0x7f}), Files.size(file) - 3);
    }

    assertEquals(List.of("a"), ids(replay(file)));
  }

  @Test
  void open_headerCutShort_isDropped() throws IOException {
    Path file = dir.resolve("wal.log");
    try (WriteAheadLog wal = WriteAheadLog.open(file, r -> {})) {
      wal.awaitDurable(wal.append(upsert("a", 1, 0)));
    }
    Files.write(file, new byte[] {5, 0, 0}, StandardOpenOption.APPEND);

    assertEquals(List.of("a"), ids(replay(file)));
  }

  @Test
  void append_afterATornEnd_isReadBack() throws IOException {
    Path file = dir.resolve("wal.log");
    try (WriteAheadLog wal = WriteAheadLog.open(file, r -> {})) {
      wal.awaitDurable(wal.append(upsert("a", 1, 0)));
    }
    Files.write(file, new byte[] {9, 9, 9, 9, 9}, StandardOpenOption.APPEND);
    try (WriteAheadLog wal = WriteAheadLog.open(file, r -> {})) {
      wal.awaitDurable(wal.append(upsert("b", 0, 1)));
    }

    assertEquals(List.of("a", "b"), ids(replay(file)));
  }

  @Test
  void reset_emptiesTheLogAndReleasesWaiters() throws IOException {
    Path file = dir.resolve("wal.log");
    try (WriteAheadLog wal = WriteAheadLog.open(file, r -> {})) {
      long sequence = wal.append(upsert("a", 1, 0));
      wal.reset();
      wal.awaitDurable(sequence); // returns at once: the index committed it
      wal.awaitDurable(wal.append(upsert("b", 0, 1)));
    }

    assertEquals(List.of("b"), ids(replay(file)));
  }

  @Test
  void awaitDurable_concurrentWriters_allReturnWithTheirRecordsOnDisk() throws Exception {
    Path file = dir.resolve("wal.log");
    int writers = 8;
    int each = 50;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try (WriteAheadLog wal = WriteAheadLog.open(file, r -> {})) {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < each; i++) {
                    wal.awaitDurable(wal.append(upsert(writer + "-" + i, 1, 0)));
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }

    assertEquals(writers * each, ids(replay(file)).size());
  }
}
