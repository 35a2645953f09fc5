package io.mmserve.vision.image;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebP decoding by libwebp ({@code libwebp.so.7}, Debian's {@code libwebp7}), called through the
 * Foreign Function and Memory API.
 *
 * <p>Why: libwebp is PIL's decoder. Pillow 11 opens every WebP with libwebp's animation decoder,
 * which hands each frame's {@code ALPH}/{@code VP8 }/{@code VP8L} chunks to {@code WebPDecode} in
 * {@code MODE_RGBA} with the default options, so lossy images get libwebp's "fancy" chroma
 * upsampling. {@code WebPDecodeRGBInto} on the same chunks runs the same decoder with the same
 * options and the same colour conversion, only without the alpha channel, which PIL's {@code
 * convert("RGB")} drops; TwelveMonkeys' VP8 decoder lacks the fancy upsampling and differs at
 * colour edges.
 *
 * <p>{@link #load()} finds the library once; when it is missing, lossless WebP is decoded by
 * TwelveMonkeys, lossy WebP is refused, and a warning at start-up says what to install. Instances
 * are thread-safe: every decode uses its own confined arena, freed before it returns.
 */
final class LibWebp {
  private static final Logger log = LoggerFactory.getLogger(LibWebp.class);
  private static final String LIBRARY = "libwebp.so.7";

  private static final Optional<LibWebp> LIBRARY_ON_THIS_MACHINE = find();

  private final MethodHandle getInfo;
  private final MethodHandle decodeRgbInto;
  private final int version;

  private LibWebp(SymbolLookup library) throws Throwable {
    Linker linker = Linker.nativeLinker();
    // int WebPGetInfo(const uint8_t *data, size_t data_size, int *width, int *height)
    getInfo =
        handle(
            linker,
            library,
            "WebPGetInfo",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    // uint8_t *WebPDecodeRGBInto(const uint8_t *data, size_t data_size, uint8_t *output_buffer,
    //                            size_t output_buffer_size, int output_stride)
    decodeRgbInto =
        handle(
            linker,
            library,
            "WebPDecodeRGBInto",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT));
    MethodHandle decoderVersion =
        handle(linker, library, "WebPGetDecoderVersion", FunctionDescriptor.of(JAVA_INT));
    version = (int) decoderVersion.invokeExact();
  }

  /** The library of this machine, found once per process, or empty when it is not installed. */
  static Optional<LibWebp> load() {
    return LIBRARY_ON_THIS_MACHINE;
  }

  private static Optional<LibWebp> find() {
    try {
      LibWebp webp = new LibWebp(SymbolLookup.libraryLookup(LIBRARY, Arena.global()));
      log.info("WebP decoding: libwebp {} ({})", webp.version(), LIBRARY);
      return Optional.of(webp);
    } catch (Throwable e) {
      log.warn(
          "WebP decoding: {} not found ({}); lossless WebP is decoded by TwelveMonkeys' reader,"
              + " lossy WebP is refused (that reader's pixels are far from PIL's). Install libwebp"
              + " (Debian: apt-get install libwebp7).",
          LIBRARY,
          e.toString());
      return Optional.empty();
    }
  }

  private static MethodHandle handle(
      Linker linker, SymbolLookup library, String name, FunctionDescriptor descriptor) {
    MemorySegment symbol =
        library
            .find(name)
            .orElseThrow(() -> new IllegalArgumentException(LIBRARY + " has no " + name));
    return linker.downcallHandle(symbol, descriptor);
  }

  /** The library's version, as "major.minor.revision". */
  String version() {
    return (version >>> 16) + "." + ((version >>> 8) & 0xFF) + "." + (version & 0xFF);
  }

  /** Where the decoded image goes: a {@code width x height} frame at (left, top) of a canvas. */
  record Placement(int canvasWidth, int canvasHeight, int left, int top, int width, int height) {
    Placement {
      if (width < 1
          || height < 1
          || left < 0
          || top < 0
          || (long) left + width > canvasWidth
          || (long) top + height > canvasHeight
          || (long) canvasWidth * canvasHeight * 3 > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("bad frame placement " + this);
      }
    }
  }

  /**
   * Decodes one image's chunks ({@code ALPH} and {@code VP8 }, or {@code VP8L}, without RIFF
   * header, as libwebp's demuxer hands a frame to the decoder) to RGB (alpha dropped: the same
   * colour values as the RGBA PIL gets), written at the frame's place on a black canvas.
   *
   * @param offset where the chunks start in {@code data}
   * @param length their length; {@code offset + length <= data.length}
   * @param frame the canvas and the frame's place and size, which the caller's own header parser
   *     found; the library must read the same frame size before any pixel is written
   * @return the canvas, {@code canvasWidth * canvasHeight * 3} bytes, rows top to bottom
   * @throws BadImageException if the library refuses the data or reads another size
   */
  byte[] decodeRgb(byte[] data, int offset, int length, Placement frame) throws BadImageException {
    if (offset < 0 || length < 0 || offset > data.length - length) {
      throw new IllegalArgumentException(
          "chunks at " + offset + "+" + length + " outside " + data.length + " bytes");
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment source = arena.allocate(length);
      MemorySegment.copy(data, offset, source, JAVA_BYTE, 0, length);
      MemorySegment size = arena.allocate(JAVA_INT, 2);
      int ok = (int) getInfo.invokeExact(source, (long) length, size, size.asSlice(4));
      if (ok == 0) {
        throw new BadImageException("corrupt WebP data (libwebp cannot read the bitstream header)");
      }
      int readWidth = size.getAtIndex(JAVA_INT, 0);
      int readHeight = size.getAtIndex(JAVA_INT, 1);
      if (readWidth != frame.width() || readHeight != frame.height()) {
        throw new BadImageException(
            "corrupt WebP data (libwebp reads "
                + readWidth
                + "x"
                + readHeight
                + ", header says "
                + frame.width()
                + "x"
                + frame.height()
                + ")");
      }
      int stride = frame.canvasWidth() * 3;
      MemorySegment canvas = arena.allocate((long) stride * frame.canvasHeight()); // zeroed: black
      MemorySegment output = canvas.asSlice((long) frame.top() * stride + (long) frame.left() * 3);
      MemorySegment result =
          (MemorySegment)
              decodeRgbInto.invokeExact(source, (long) length, output, output.byteSize(), stride);
      if (result.equals(MemorySegment.NULL)) {
        throw new BadImageException("corrupt WebP data (libwebp cannot decode the bitstream)");
      }
      return canvas.toArray(JAVA_BYTE);
    } catch (BadImageException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("calling " + LIBRARY + " failed", e);
    }
  }
}
