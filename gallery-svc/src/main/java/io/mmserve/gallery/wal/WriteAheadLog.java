package io.mmserve.gallery.wal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One collection's write-ahead log with group commit. A writer {@link #append}s its record (no
 * sync), applies it to the index, then {@link #awaitDurable}s: the first waiter forces the file to
 * disk for everything appended so far while later ones wait, so concurrent writers share one fsync.
 * Once the index has committed every logged write, {@link #reset} empties the log.
 *
 * <p>{@link #open} replays the records a crash left behind. A record cut short by a crash (its
 * length runs past the end, or its CRC32C does not match) is the torn end of the log: it and
 * anything after it were never acknowledged, so they are dropped and the file is truncated there.
 *
 * <p>Thread-safe. The caller serialises {@link #append} with the index writes it logs (so the log
 * and the index see writes in the same order) and {@link #reset} with the commit; closes it.
 */
public final class WriteAheadLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WriteAheadLog.class);

  private final Path file;
  private final FileChannel channel;
  private final Object syncLock = new Object();
  private volatile long appended; // sequence of the last appended record; written under this
  private long durable; // guarded by syncLock
  private boolean syncing; // guarded by syncLock
  private IOException broken; // guarded by syncLock: a failed fsync leaves the file unknown

  private WriteAheadLog(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
  }

  /**
   * Opens (or creates) the log at {@code file}, hands every whole record to {@code replay} in
   * order, and cuts off a torn end.
   *
   * @throws IOException if the file cannot be read or written, or a record with a good checksum
   *     cannot be decoded
   */
  public static WriteAheadLog open(Path file, Consumer<WalRecord> replay) throws IOException {
    FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      long end = replay(file, channel, replay);
      if (end < channel.size()) {
        log.warn(
            "{}: dropped a torn record at byte {} ({} bytes); it was never acknowledged",
            file,
            end,
            channel.size() - end);
        channel.truncate(end);
        channel.force(true);
      }
      channel.position(end);
      return new WriteAheadLog(file, channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Writes {@code record} after the others, without syncing.
   *
   * @return its sequence number, for {@link #awaitDurable}
   */
  public synchronized long append(WalRecord record) throws IOException {
    ByteBuffer frame = WalCodec.frame(record);
    while (frame.hasRemaining()) {
      channel.write(frame);
    }
    appended++;
    return appended;
  }

  /**
   * Returns once the record with sequence {@code sequence} (and every one before it) is on disk,
   * forcing the file itself or waiting for the writer that does.
   *
   * @throws IOException if the fsync failed (then every later call fails too: restart, and the log
   *     is replayed), or the thread was interrupted while waiting
   */
  public void awaitDurable(long sequence) throws IOException {
    while (true) {
      long target;
      synchronized (syncLock) {
        while (durable < sequence && syncing && broken == null) {
          try {
            syncLock.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the write-ahead log");
          }
        }
        if (durable >= sequence) {
          return;
        }
        if (broken != null) {
          throw new IOException(file + ": an earlier fsync failed", broken);
        }
        syncing = true;
        target = appended;
      }
      IOException failure = null;
      try {
        channel.force(false);
      } catch (IOException e) {
        failure = e;
      }
      synchronized (syncLock) {
        syncing = false;
        if (failure == null) {
          durable = Math.max(durable, target);
        } else {
          broken = failure;
        }
        syncLock.notifyAll();
      }
    }
  }

  /**
   * Empties the log: the index has committed every record in it. Waiters for those records return.
   */
  public synchronized void reset() throws IOException {
    channel.truncate(0);
    channel.force(true);
    channel.position(0);
    synchronized (syncLock) {
      durable = Math.max(durable, appended);
      syncLock.notifyAll();
    }
  }

  /** The log's length in bytes: 0 when the index has committed everything. */
  public synchronized long sizeBytes() throws IOException {
    return channel.size();
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }

  /** Replays the whole records from the start; returns the offset where they end. */
  private static long replay(Path file, FileChannel channel, Consumer<WalRecord> replay)
      throws IOException {
    long size = channel.size();
    long offset = 0;
    ByteBuffer header = ByteBuffer.allocate(WalCodec.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    while (offset + WalCodec.HEADER_BYTES <= size) {
      header.clear();
      readFully(channel, header, offset);
      int length = header.getInt(0);
      int crc = header.getInt(4);
      long end = offset + WalCodec.HEADER_BYTES + (long) length;
      if (length < 1 || length > WalCodec.MAX_PAYLOAD_BYTES || end > size) {
        return offset;
      }
      byte[] payload = new byte[length];
      readFully(channel, ByteBuffer.wrap(payload), offset + WalCodec.HEADER_BYTES);
      if (WalCodec.crc(payload, length) != crc) {
        return offset;
      }
      WalRecord record;
      try {
        record = WalCodec.decode(payload);
      } catch (IOException e) {
        throw new IOException(file + ": unreadable record at byte " + offset, e);
      }
      replay.accept(record);
      offset = end;
    }
    return offset;
  }

  private static void readFully(FileChannel channel, ByteBuffer into, long position)
      throws IOException {
    long at = position;
    while (into.hasRemaining()) {
      int n = channel.read(into, at);
      if (n < 0) {
        throw new IOException("unexpected end of file at byte " + at);
      }
      at += n;
    }
  }
}
