package io.mmserve.gallery.wal;

import io.mmserve.gallery.index.Item;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The bytes of a {@link WalRecord} in the log: a frame of {@value #HEADER_BYTES} header bytes (the
 * payload's length and its CRC32C, both little-endian ints) and the payload (a type byte, then the
 * record's fields in {@link DataOutputStream} form). The checksum lets a reader tell a record that
 * was cut short by a crash (a torn write) from a whole one.
 */
final class WalCodec {
  static final int HEADER_BYTES = 8;

  /** Larger payloads are taken for garbage: no call writes that much. */
  static final int MAX_PAYLOAD_BYTES = 1 << 30;

  private static final byte UPSERT = 1;
  private static final byte DELETE = 2;
  private static final byte UPSERT_WITH_THUMBNAILS = 3;

  private WalCodec() {}

  /** The whole frame of {@code record}, header included. */
  static ByteBuffer frame(WalRecord record) {
    byte[] payload = payload(record);
    ByteBuffer frame =
        ByteBuffer.allocate(HEADER_BYTES + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    frame.putInt(payload.length).putInt(crc(payload, payload.length)).put(payload).flip();
    return frame;
  }

  /** The CRC32C of {@code payload[0, length)}, as an int. */
  static int crc(byte[] payload, int length) {
    CRC32C crc = new CRC32C();
    crc.update(payload, 0, length);
    return (int) crc.getValue();
  }

  /**
   * Reads a payload whose checksum matched.
   *
   * @throws IOException if it is not a record this codec wrote
   */
  static WalRecord decode(byte[] payload) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
    byte type = in.readByte();
    int n = in.readInt();
    switch (type) {
      case UPSERT, UPSERT_WITH_THUMBNAILS -> {
        List<Item> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          String id = in.readUTF();
          float[] vector = new float[in.readInt()];
          for (int d = 0; d < vector.length; d++) {
            vector[d] = in.readFloat();
          }
          int entries = in.readInt();
          Map<String, String> metadata = new HashMap<>();
          for (int e = 0; e < entries; e++) {
            metadata.put(in.readUTF(), in.readUTF());
          }
          byte[] thumbnail = Item.NO_THUMBNAIL;
          if (type == UPSERT_WITH_THUMBNAILS) {
            thumbnail = new byte[in.readInt()];
            in.readFully(thumbnail);
          }
          items.add(new Item(id, vector, metadata, thumbnail));
        }
        return new WalRecord.Upsert(items);
      }
      case DELETE -> {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          ids.add(in.readUTF());
        }
        return new WalRecord.Delete(ids);
      }
      default -> throw new IOException("unknown write-ahead log record type " + type);
    }
  }

  private static byte[] payload(WalRecord record) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      switch (record) {
        case WalRecord.Upsert upsert -> {
          boolean thumbnails = upsert.items().stream().anyMatch(i -> i.thumbnail().length > 0);
          out.writeByte(thumbnails ? UPSERT_WITH_THUMBNAILS : UPSERT);
          out.writeInt(upsert.items().size());
          for (Item item : upsert.items()) {
            out.writeUTF(item.id());
            out.writeInt(item.vector().length);
            for (float v : item.vector()) {
              out.writeFloat(v);
            }
            out.writeInt(item.metadata().size());
            for (Map.Entry<String, String> e : item.metadata().entrySet()) {
              out.writeUTF(e.getKey());
              out.writeUTF(e.getValue());
            }
            if (thumbnails) {
              out.writeInt(item.thumbnail().length);
              out.write(item.thumbnail());
            }
          }
        }
        case WalRecord.Delete delete -> {
          out.writeByte(DELETE);
          out.writeInt(delete.ids().size());
          for (String id : delete.ids()) {
            out.writeUTF(id);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return bytes.toByteArray();
  }
}
