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
 * JPEG decoding by libjpeg-turbo's TurboJPEG library ({@code libturbojpeg.so.0}, Debian's {@code
 * libturbojpeg0}), called through the Foreign Function and Memory API.
 *
 * <p>Why: the JDK's own JPEG reader wraps the libjpeg it was built with. Debian's OpenJDK links the
 * system libjpeg-turbo, but Temurin (the JDK mmserve runs on) bundles IJG libjpeg 6b, which decodes
 * about half as fast. libjpeg-turbo is also what PIL uses, so its pixels are the reference: the
 * same entropy decoding, islow IDCT, fancy upsampling and integer YCbCr tables the ImageIO path
 * reproduces in Java.
 *
 * <p>{@link #load()} finds the library once; when it is missing, JPEG decoding stays on ImageIO and
 * a warning at start-up says what to install. Instances are thread-safe: every decode makes and
 * destroys its own TurboJPEG handle.
 */
final class TurboJpeg {
  private static final Logger log = LoggerFactory.getLogger(TurboJpeg.class);
  private static final String LIBRARY = "libturbojpeg.so.0";

  /** TurboJPEG's pixel format for packed 8-bit RGB (TJPF_RGB). */
  private static final int PF_RGB = 0;

  /** tjGetErrorCode's answer for a warning, after which the image is complete (TJERR_WARNING). */
  private static final int ERROR_WARNING = 0;

  private static final long MESSAGE_BYTES = 200;

  private static final Optional<TurboJpeg> LIBRARY_ON_THIS_MACHINE = find();

  private final MethodHandle initDecompress;
  private final MethodHandle decompressHeader;
  private final MethodHandle decompress;
  private final MethodHandle errorString;
  private final MethodHandle errorCode;
  private final MethodHandle destroy;

  private TurboJpeg(SymbolLookup library) {
    Linker linker = Linker.nativeLinker();
    initDecompress = handle(linker, library, "tjInitDecompress", FunctionDescriptor.of(ADDRESS));
    // int tjDecompressHeader3(tjhandle, const unsigned char *, unsigned long, int *w, int *h,
    //                         int *subsamp, int *colorspace)
    decompressHeader =
        handle(
            linker,
            library,
            "tjDecompressHeader3",
            FunctionDescriptor.of(
                JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    // int tjDecompress2(tjhandle, const unsigned char *, unsigned long, unsigned char *dst,
    //                   int width, int pitch, int height, int pixelFormat, int flags)
    decompress =
        handle(
            linker,
            library,
            "tjDecompress2",
            FunctionDescriptor.of(
                JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT));
    errorString =
        handle(linker, library, "tjGetErrorStr2", FunctionDescriptor.of(ADDRESS, ADDRESS));
    errorCode = handle(linker, library, "tjGetErrorCode", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    destroy = handle(linker, library, "tjDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }

  /** The library of this machine, found once per process, or empty when it is not installed. */
  static Optional<TurboJpeg> load() {
    return LIBRARY_ON_THIS_MACHINE;
  }

  private static Optional<TurboJpeg> find() {
    try {
      TurboJpeg turbo = new TurboJpeg(SymbolLookup.libraryLookup(LIBRARY, Arena.global()));
      log.info("JPEG decoding: libjpeg-turbo ({})", LIBRARY);
      return Optional.of(turbo);
    } catch (IllegalArgumentException | IllegalCallerException | UnsatisfiedLinkError e) {
      log.warn(
          "JPEG decoding: {} not found ({}); using the JDK's ImageIO reader, about half as fast"
              + " on JDKs that bundle IJG libjpeg. Install libjpeg-turbo's TurboJPEG library"
              + " (Debian: apt-get install libturbojpeg0).",
          LIBRARY,
          e.getMessage());
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

  /**
   * Decodes a baseline or progressive JPEG of one or three components to packed RGB (grey is
   * replicated), with libjpeg's default (accurate) IDCT and fancy upsampling, as PIL does.
   *
   * @param width the width the caller's own header parser found; the library must agree
   * @param height likewise
   * @param dest receives the {@code width * height * 3} RGB bytes from index 0; may be longer
   * @throws BadImageException if the library refuses the data or reads another size
   */
  void decodeRgb(byte[] jpeg, int width, int height, byte[] dest) throws BadImageException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment source = arena.allocateFrom(JAVA_BYTE, jpeg);
      MemorySegment handle = (MemorySegment) initDecompress.invokeExact();
      if (handle.equals(MemorySegment.NULL)) {
        throw new IllegalStateException("tjInitDecompress failed (out of memory?)");
      }
      try {
        MemorySegment size = arena.allocate(JAVA_INT, 4);
        check(
            handle,
            (int)
                decompressHeader.invokeExact(
                    handle,
                    source,
                    (long) jpeg.length,
                    size,
                    size.asSlice(4),
                    size.asSlice(8),
                    size.asSlice(12)));
        int readWidth = size.getAtIndex(JAVA_INT, 0);
        int readHeight = size.getAtIndex(JAVA_INT, 1);
        if (readWidth != width || readHeight != height) {
          throw new BadImageException(
              "corrupt JPEG data (decoder reads "
                  + readWidth
                  + "x"
                  + readHeight
                  + ", header says "
                  + width
                  + "x"
                  + height
                  + ")");
        }
        MemorySegment rgb = arena.allocate((long) width * height * 3);
        check(
            handle,
            (int)
                decompress.invokeExact(
                    handle, source, (long) jpeg.length, rgb, width, 0, height, PF_RGB, 0));
        // Into native memory, then one copy: a heap array passed to the library would hold off
        // every safepoint (and so every collection) of the JVM for the whole decode.
        MemorySegment.copy(rgb, JAVA_BYTE, 0, dest, 0, width * height * 3);
      } finally {
        int ignored = (int) destroy.invokeExact(handle);
      }
    } catch (BadImageException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("calling " + LIBRARY + " failed", e);
    }
  }

  /** A warning (libjpeg's "corrupt data" kind, after which the image is complete) is not fatal. */
  private void check(MemorySegment handle, int result) throws Throwable {
    if (result == 0 || (int) errorCode.invokeExact(handle) == ERROR_WARNING) {
      return;
    }
    MemorySegment message = (MemorySegment) errorString.invokeExact(handle);
    // TurboJPEG keeps the message in a char[JMSG_LENGTH_MAX] (200) of the handle
    throw new BadImageException(
        "corrupt JPEG data (" + message.reinterpret(MESSAGE_BYTES).getString(0) + ")");
  }
}
