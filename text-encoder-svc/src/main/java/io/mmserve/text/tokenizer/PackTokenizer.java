package io.mmserve.text.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPackException;
import io.mmserve.inference.pack.TextSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * A model pack's tokenizer: the pack's Hugging Face {@code tokenizer.json} run by DJL's binding of
 * the tokenizers library, giving the ids the reference tokenizer gives.
 *
 * <p>DJL's builder replaces the padding and truncation that tokenizer.json declares with its own
 * options, so both are set here from the manifest: the library adds the special tokens and
 * truncates to the context length (start and end tokens included), and this class pads with the
 * manifest's pad id. A tokenizer.json that declares a different pad id is rejected at load.
 *
 * <p>Thread-safe: {@link #tokenize} may be called concurrently. The creator closes it once, after
 * the last call, which frees the native tokenizer.
 */
public final class PackTokenizer implements AutoCloseable {
  /** CLIP's start and end tokens come from the tokenizer's post-processor. */
  private static final boolean ADD_SPECIAL_TOKENS = true;

  /** The manifest field naming the text cleaning ({@link TextCleaner}); optional. */
  public static final String CLEANING_FIELD = "cleaning";

  private final HuggingFaceTokenizer tokenizer;
  private final int contextLength;
  private final long padId;
  private final TextCleaner cleaner;

  private PackTokenizer(
      HuggingFaceTokenizer tokenizer, int contextLength, long padId, TextCleaner cleaner) {
    this.tokenizer = tokenizer;
    this.contextLength = contextLength;
    this.padId = padId;
    this.cleaner = cleaner;
  }

  /**
   * The tokenizer of a pack's text side, with the cleaning its manifest names.
   *
   * @throws ModelPackException if the pack has no text side, or its tokenizer or manifest cannot be
   *     used
   */
  public static PackTokenizer load(ModelPack pack) {
    TextSpec text =
        pack.manifest()
            .text()
            .orElseThrow(() -> new ModelPackException("pack " + pack.name() + " has no text side"));
    return open(text.tokenizer(), text.contextLength(), text.padId(), cleaningOf(pack));
  }

  /**
   * A tokenizer from a tokenizer.json.
   *
   * @param contextLength ids per text, after padding and truncation
   * @param padId the id padding uses
   * @throws ModelPackException if the file cannot be read or loaded, or declares another pad id
   */
  public static PackTokenizer open(
      Path tokenizerJson, int contextLength, int padId, TextCleaner cleaner) {
    if (contextLength < 2) {
      throw new IllegalArgumentException(
          "contextLength must be at least 2 (start and end tokens), but was " + contextLength);
    }
    checkPadId(tokenizerJson, padId);
    HuggingFaceTokenizer tokenizer;
    try {
      tokenizer =
          HuggingFaceTokenizer.builder(
                  // DJL clamps the max length to this (default 512)
                  Map.of("modelMaxLength", Integer.toString(contextLength)))
              .optTokenizerPath(tokenizerJson)
              .optAddSpecialTokens(ADD_SPECIAL_TOKENS)
              .optTruncation(true)
              .optMaxLength(contextLength)
              .optPadding(false)
              .optWithOverflowingTokens(false)
              .build();
    } catch (IOException | RuntimeException e) {
      throw new ModelPackException("cannot load tokenizer " + tokenizerJson + ": " + e, e);
    }
    if (tokenizer.getMaxLength() != contextLength) {
      tokenizer.close();
      throw new ModelPackException(
          "tokenizer "
              + tokenizerJson
              + " truncates to "
              + tokenizer.getMaxLength()
              + " tokens, not the context length "
              + contextLength);
    }
    return new PackTokenizer(tokenizer, contextLength, padId, cleaner);
  }

  /**
   * Cleans, tokenizes, truncates and pads one text. An empty text gives start and end tokens.
   *
   * <p>Reads only the ids and the overflow count of the native encoding, not DJL's whole {@code
   * Encoding} (tokens as strings, character spans, word, type and sequence ids, masks: six more JNI
   * calls and their objects, 18% of a text encoder's I/O thread, docs/benchmarks.md). The attention
   * mask is 1 over the ids, as the tokenizer's own is without padding. DJL's {@code encode} also
   * applies its builder's prefix-space, lower-case and accent options first, none of which {@link
   * #open} sets.
   */
  public TokenizedText tokenize(String text) {
    long encoding =
        TokenizersLibrary.LIB.encode(
            tokenizer.getHandle(), cleaner.clean(text), ADD_SPECIAL_TOKENS);
    long[] tokens;
    boolean truncated;
    try {
      tokens = TokenizersLibrary.LIB.getTokenIds(encoding);
      truncated = TokenizersLibrary.LIB.getOverflowCount(encoding) > 0;
    } finally {
      TokenizersLibrary.LIB.deleteEncoding(encoding);
    }
    if (tokens.length > contextLength) {
      throw new IllegalStateException(
          "the tokenizer returned " + tokens.length + " ids for a context of " + contextLength);
    }
    long[] ids = new long[contextLength];
    long[] mask = new long[contextLength];
    System.arraycopy(tokens, 0, ids, 0, tokens.length);
    Arrays.fill(mask, 0, tokens.length, 1L);
    Arrays.fill(ids, tokens.length, contextLength, padId);
    return new TokenizedText(ids, mask, tokens.length, truncated);
  }

  /** Ids per text. */
  public int contextLength() {
    return contextLength;
  }

  /** The cleaning applied before tokenization. */
  public TextCleaner cleaner() {
    return cleaner;
  }

  @Override
  public void close() {
    tokenizer.close();
  }

  /**
   * The cleaning named by the manifest's {@code text.cleaning}, read from model.json itself: the
   * inference module's manifest records do not carry the field yet.
   */
  static TextCleaner cleaningOf(ModelPack pack) {
    Path manifest = pack.dir().resolve(ModelPack.MANIFEST_FILE);
    if (!Files.isRegularFile(manifest)) {
      return TextCleaner.NONE;
    }
    Optional<String> name =
        member(readJson(manifest), "text")
            .flatMap(text -> member(text.getAsJsonObject(), CLEANING_FIELD))
            .map(JsonElement::getAsString);
    try {
      return name.map(TextCleaner::named).orElse(TextCleaner.NONE);
    } catch (IllegalArgumentException e) {
      throw new ModelPackException(manifest + ": text." + CLEANING_FIELD + " " + e.getMessage());
    }
  }

  private static void checkPadId(Path tokenizerJson, int padId) {
    Optional<JsonElement> declared =
        member(readJson(tokenizerJson), "padding")
            .flatMap(padding -> member(padding.getAsJsonObject(), "pad_id"));
    if (declared.isPresent() && declared.get().getAsLong() != padId) {
      throw new ModelPackException(
          tokenizerJson
              + " pads with id "
              + declared.get().getAsLong()
              + ", but the manifest's text.pad_id is "
              + padId);
    }
  }

  private static JsonObject readJson(Path file) {
    try {
      JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
      if (!root.isJsonObject()) {
        throw new ModelPackException(file + " must hold a JSON object");
      }
      return root.getAsJsonObject();
    } catch (IOException | JsonParseException e) {
      throw new ModelPackException("cannot read " + file + ": " + e, e);
    }
  }

  private static Optional<JsonElement> member(JsonObject object, String name) {
    JsonElement value = object.get(name);
    return value == null || value.isJsonNull() ? Optional.empty() : Optional.of(value);
  }
}
