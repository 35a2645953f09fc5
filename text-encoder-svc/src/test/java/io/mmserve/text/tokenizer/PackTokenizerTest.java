package io.mmserve.text.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPackException;
import io.mmserve.inference.pack.TextSpec;
import io.mmserve.testsupport.Npy;
import io.mmserve.testsupport.ReferencePack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackTokenizerTest {
  private static ModelPack pack;
  private static TextSpec text;
  private static PackTokenizer tokenizer;

  @BeforeAll
  static void load() {
    pack = ModelPack.load(ReferencePack.dir());
    text = pack.manifest().text().orElseThrow();
    tokenizer = PackTokenizer.load(pack);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  @Test
  void tokenize_matchesGoldenIdsMasksAndTruncationForEveryCaption() {
    List<String> captions = ReferencePack.captions();
    Npy.Array ids = ReferencePack.array("input_ids");
    Npy.Array masks = ReferencePack.array("attention_mask");
    Npy.Array truncated = ReferencePack.array("truncated");
    for (int i = 0; i < captions.size(); i++) {
      TokenizedText t = tokenizer.tokenize(captions.get(i));
      String what = "caption " + i + " \"" + captions.get(i) + "\"";
      assertArrayEquals(ids.longRow(i), t.ids(), what + ": ids");
      assertArrayEquals(masks.longRow(i), t.attentionMask(), what + ": mask");
      assertEquals(truncated.longs()[i] != 0, t.truncated(), what + ": truncated");
      assertEquals(Arrays.stream(t.attentionMask()).sum(), t.tokenCount(), what + ": count");
    }
  }

  @Test
  void tokenize_emptyTextGivesStartAndEndTokensThenPadding() {
    TokenizedText empty = tokenizer.tokenize("");

    assertEquals(2, empty.tokenCount());
    assertFalse(empty.truncated());
    assertEquals(text.contextLength(), empty.length());
    for (int i = 2; i < empty.length(); i++) {
      assertEquals(text.padId(), empty.ids()[i], "id " + i);
      assertEquals(0, empty.attentionMask()[i], "mask " + i);
    }
  }

  @Test
  void tokenize_flagsOnlyTextsLongerThanTheContext() {
    int words = text.contextLength() - 2;
    TokenizedText fits = tokenizer.tokenize(repeat("circle", words));
    TokenizedText over = tokenizer.tokenize(repeat("circle", words + 1));

    assertFalse(fits.truncated());
    assertEquals(text.contextLength(), fits.tokenCount());
    assertTrue(over.truncated());
    assertEquals(text.contextLength(), over.tokenCount());
    assertArrayEquals(fits.ids(), over.ids(), "the truncated text keeps its start and end tokens");
  }

  @Test
  void tokenize_charactersOutsideTheBmpTokenizeLikeAnyUnknownWord() {
    assertArrayEquals(
        tokenizer.tokenize("a qqqzzzqqq star").ids(),
        tokenizer.tokenize("a \uD83D\uDE00 star").ids());
  }

  @Test
  void tokenize_clipCleaningUnescapesAndCollapsesWhitespaceFirst() {
    try (PackTokenizer clip =
        PackTokenizer.open(
            text.tokenizer(), text.contextLength(), text.padId(), TextCleaner.CLIP)) {
      String messy = "  a\u00A0red&amp;#32;circle \t";

      assertArrayEquals(tokenizer.tokenize("a red circle").ids(), clip.tokenize(messy).ids());
      assertNotEquals(
          Arrays.toString(tokenizer.tokenize("a red circle").ids()),
          Arrays.toString(tokenizer.tokenize(messy).ids()),
          "without cleaning the entity is tokenized");
    }
  }

  @Test
  void open_rejectsTokenizerJsonThatPadsWithAnotherId(@TempDir Path dir) throws IOException {
    Path copy = dir.resolve("tokenizer.json");
    String json = Files.readString(text.tokenizer());
    Files.writeString(copy, json.replaceFirst("\"pad_id\"\\s*:\\s*\\d+", "\"pad_id\": 7"));

    ModelPackException e =
        assertThrows(
            ModelPackException.class,
            () -> PackTokenizer.open(copy, text.contextLength(), 0, TextCleaner.NONE));
    assertTrue(e.getMessage().contains("pads with id 7"), e.getMessage());
  }

  @Test
  void cleaningOf_readsTheCleaningTheManifestNames(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("model.json"), "{\"text\": {\"cleaning\": \"clip\"}}");

    assertEquals(TextCleaner.CLIP, PackTokenizer.cleaningOf(new ModelPack(dir, pack.manifest())));
    assertEquals(TextCleaner.NONE, PackTokenizer.cleaningOf(pack));
  }

  @Test
  void cleaningOf_rejectsAnUnknownCleaning(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("model.json"), "{\"text\": {\"cleaning\": \"ftfy\"}}");

    ModelPackException e =
        assertThrows(
            ModelPackException.class,
            () -> PackTokenizer.cleaningOf(new ModelPack(dir, pack.manifest())));
    assertTrue(e.getMessage().contains("text.cleaning must be one of"), e.getMessage());
  }

  private static String repeat(String word, int times) {
    return String.join(" ", Collections.nCopies(times, word));
  }
}
