package io.mmserve.kit.server;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hostile HTTP/2 client written frame by frame on a plain socket, for what a well-behaved gRPC
 * client never does: open streams without end, reset them at once, ping too often, or connect and
 * say nothing. A reader thread answers the server's SETTINGS and PINGs and records what the server
 * sends back: RST_STREAM codes by stream, the GOAWAY, and the end of the connection.
 *
 * <p>Writes happen on the test's thread (and the reader's, for acknowledgements), under a lock.
 * {@link #close()} closes the socket; the reader thread then ends.
 */
final class RawHttp2Connection implements AutoCloseable {
  static final int REFUSED_STREAM = 0x7;
  static final int ENHANCE_YOUR_CALM = 0xb;

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int RST_STREAM = 0x3;
  private static final int SETTINGS = 0x4;
  private static final int PING = 0x6;
  private static final int GOAWAY = 0x7;
  private static final int END_STREAM = 0x1;
  private static final int ACK = 0x1;
  private static final int END_HEADERS = 0x4;

  private final Socket socket;
  private final OutputStream out;
  private final Map<Integer, Integer> resets = new ConcurrentHashMap<>();
  private final List<String> goAways = new CopyOnWriteArrayList<>();
  private final CountDownLatch goAway = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);
  private final AtomicInteger pingAcks = new AtomicInteger();
  private int nextStreamId = 1;

  private RawHttp2Connection(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
  }

  /** Starts the thread that reads the server's frames and acknowledges its SETTINGS and PINGs. */
  private RawHttp2Connection startReading() {
    Thread reader = new Thread(this::readFrames, "raw-http2-reader");
    reader.setDaemon(true);
    reader.start();
    return this;
  }

  /** A TCP connection that has sent nothing yet, not even the HTTP/2 preface. */
  static RawHttp2Connection silent(int port) throws IOException {
    return new RawHttp2Connection(new Socket("127.0.0.1", port)).startReading();
  }

  /**
   * A connection that has sent the HTTP/2 preface and empty SETTINGS. The reader starts only after
   * them: the server sends its SETTINGS as soon as it accepts, and an acknowledgement written
   * before the preface would be a protocol error (a test failed that way on a loaded machine).
   */
  static RawHttp2Connection open(int port) throws IOException {
    RawHttp2Connection connection = new RawHttp2Connection(new Socket("127.0.0.1", port));
    connection.write(PREFACE);
    connection.frame(SETTINGS, 0, 0, new byte[0]);
    return connection.startReading();
  }

  /**
   * Opens a gRPC call to {@code fullMethod} (HEADERS without END_STREAM: the request never ends).
   *
   * @return the stream id
   */
  int openCall(String fullMethod) throws IOException {
    int id = nextStreamId;
    nextStreamId += 2;
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    literal(block, ":method", "POST");
    literal(block, ":scheme", "http");
    literal(block, ":path", "/" + fullMethod);
    literal(block, ":authority", "127.0.0.1");
    literal(block, "content-type", "application/grpc");
    literal(block, "te", "trailers");
    frame(HEADERS, END_HEADERS, id, block.toByteArray());
    return id;
  }

  /** Sends one gRPC message frame on the stream, without ending it. */
  void sendEmptyMessage(int streamId) throws IOException {
    frame(DATA, 0, streamId, new byte[5]);
  }

  /** Ends the request side of the stream. */
  void endStream(int streamId) throws IOException {
    frame(DATA, END_STREAM, streamId, new byte[0]);
  }

  /** Cancels the stream (RST_STREAM CANCEL). */
  void reset(int streamId) throws IOException {
    frame(RST_STREAM, 0, streamId, new byte[] {0, 0, 0, 0x8});
  }

  /** Sends a PING. */
  void ping() throws IOException {
    frame(PING, 0, 0, new byte[8]);
  }

  /** How many of our PINGs the server has acknowledged. */
  int pingAcks() {
    return pingAcks.get();
  }

  /** The RST_STREAM error code the server sent on this stream, or null. */
  Integer resetCode(int streamId) {
    return resets.get(streamId);
  }

  /** GOAWAY frames received, as {@code "code=N debug=TEXT"}. */
  List<String> goAways() {
    return List.copyOf(goAways);
  }

  boolean awaitGoAway(Duration timeout) throws InterruptedException {
    return goAway.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean awaitClosed(Duration timeout) throws InterruptedException {
    return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean isClosed() {
    return closed.getCount() == 0;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private void readFrames() {
    try (DataInputStream in = new DataInputStream(socket.getInputStream())) {
      while (true) {
        int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int streamId = in.readInt() & 0x7fff_ffff;
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
          throw new EOFException();
        }
        onFrame(type, flags, streamId, payload);
      }
    } catch (IOException e) {
      // end of stream or reset by the server: the connection is over either way
    } finally {
      closed.countDown();
    }
  }

  private void onFrame(int type, int flags, int streamId, byte[] payload) throws IOException {
    switch (type) {
      case SETTINGS -> {
        if ((flags & ACK) == 0) {
          frame(SETTINGS, ACK, 0, new byte[0]);
        }
      }
      case PING -> {
        if ((flags & ACK) == 0) {
          frame(PING, ACK, 0, payload);
        } else {
          pingAcks.incrementAndGet();
        }
      }
      case RST_STREAM -> resets.put(streamId, int32(payload, 0));
      case GOAWAY -> {
        String debug = new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8);
        goAways.add("code=" + int32(payload, 4) + " debug=" + debug);
        goAway.countDown();
      }
      default -> {}
    }
  }

  private static int int32(byte[] b, int at) {
    return ((b[at] & 0xff) << 24)
        | ((b[at + 1] & 0xff) << 16)
        | ((b[at + 2] & 0xff) << 8)
        | (b[at + 3] & 0xff);
  }

  /** HPACK literal header field without indexing, new name, no Huffman coding. */
  private static void literal(ByteArrayOutputStream block, String name, String value) {
    block.write(0);
    string(block, name);
    string(block, value);
  }

  private static void string(ByteArrayOutputStream block, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    int n = bytes.length;
    if (n < 127) {
      block.write(n);
    } else {
      block.write(127);
      n -= 127;
      while (n >= 128) {
        block.write((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      block.write(n);
    }
    block.writeBytes(bytes);
  }

  private void frame(int type, int flags, int streamId, byte[] payload) throws IOException {
    byte[] header = {
      (byte) (payload.length >>> 16),
      (byte) (payload.length >>> 8),
      (byte) payload.length,
      (byte) type,
      (byte) flags,
      (byte) (streamId >>> 24),
      (byte) (streamId >>> 16),
      (byte) (streamId >>> 8),
      (byte) streamId
    };
    synchronized (out) {
      out.write(header);
      out.write(payload);
      out.flush();
    }
  }

  private void write(byte[] bytes) throws IOException {
    synchronized (out) {
      out.write(bytes);
      out.flush();
    }
  }
}
