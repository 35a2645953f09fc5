package io.mmserve.text.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.TextSpec;
import io.mmserve.kit.errors.ResourceLimitException;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.text.encoder.TextLimits;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes a request text's path to token ids, as text-encoder-svc runs it: the per-text limit
 * ({@link TextLimits#check}), open_clip's cleaning ({@link TextCleaner#CLIP}: HTML entities, Python
 * whitespace) and the bundled pack's Hugging Face tokenizer (native, through DJL). Any text (a
 * request's strings are valid Unicode: protobuf refuses invalid UTF-8) either gives exactly the
 * context length of ids with start and end tokens, or is refused with {@link
 * ResourceLimitException}; never another exception, never a hang.
 *
 * <p>Regression inputs: {@code TokenizerFuzzTestInputs/tokenize/} in the test resources, read as
 * UTF-8 (invalid sequences become U+FFFD as on the wire).
 */
class TokenizerFuzzTest {
  private static final TextLimits LIMITS =
      new TextLimits(TextLimits.DEFAULT_MAX_ITEMS, TextLimits.DEFAULT_MAX_TEXT_CHARS);

  private static PackTokenizer tokenizer;

  @BeforeAll
  static void load() {
    TextSpec text = ModelPack.load(ReferencePack.dir()).manifest().text().orElseThrow();
    tokenizer =
        PackTokenizer.open(text.tokenizer(), text.contextLength(), text.padId(), TextCleaner.CLIP);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void tokenize(byte[] utf8) {
    String text = new String(utf8, StandardCharsets.UTF_8);
    try {
      LIMITS.check(List.of(text));
    } catch (ResourceLimitException e) {
      return;
    }
    TokenizedText tokens = tokenizer.tokenize(text);
    int context = tokenizer.contextLength();
    assertEquals(context, tokens.ids().length);
    assertEquals(context, tokens.attentionMask().length);
    assertTrue(tokens.tokenCount() >= 2 && tokens.tokenCount() <= context, "start and end tokens");
  }
}
