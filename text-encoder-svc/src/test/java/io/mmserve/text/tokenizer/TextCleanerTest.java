package io.mmserve.text.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * Expected values are Python 3.11's, from {@code "
 * ".join(html.unescape(html.unescape(s)).split())}.
 */
class TextCleanerTest {

  @Test
  void clip_unescapesTwice() {
    assertEquals("<b>", TextCleaner.CLIP.clean("&amp;lt;b&amp;gt;"));
  }

  @Test
  void clip_collapsesPythonWhitespaceAndStrips() {
    assertEquals(
        "a b c d\u200Be",
        TextCleaner.CLIP.clean(" a \t\n b\u00A0\u3000c\u0085d\u200Be  "),
        "no-break spaces and NEL are whitespace to Python, the zero-width space is not");
  }

  @Test
  void clip_numericReferencesFollowPython() {
    assertEquals("\uFFFD", TextCleaner.CLIP.clean("&#0;"));
    assertEquals("\u20AC", TextCleaner.CLIP.clean("&#x80;"));
    assertEquals("\uFFFD", TextCleaner.CLIP.clean("&#xD800;"));
    assertEquals("", TextCleaner.CLIP.clean("&#1;"));
    assertEquals("", TextCleaner.CLIP.clean("&#xfffe;"));
    assertEquals("\uFFFD", TextCleaner.CLIP.clean("&#99999999999;"));
    assertEquals("A", TextCleaner.CLIP.clean("&#65"));
    assertEquals("\uD83D\uDE00", TextCleaner.CLIP.clean("&#x1F600;"));
  }

  @Test
  void clip_namedReferencesUseTheLongestKnownPrefix() {
    assertEquals("\u00ACit;", TextCleaner.CLIP.clean("&notit;"));
    assertEquals("&x", TextCleaner.CLIP.clean("&ampx"));
    assertEquals("\u00A92024", TextCleaner.CLIP.clean("&copy2024"));
    assertEquals("<b;", TextCleaner.CLIP.clean("&ltb;"));
    assertEquals("&bogus;", TextCleaner.CLIP.clean("&bogus;"));
  }

  @Test
  void none_leavesTextAsItIs() {
    String text = "  a &amp; b  ";
    assertEquals(text, TextCleaner.NONE.clean(text));
  }

  @Test
  void named_isCaseInsensitiveAndRejectsUnknownNames() {
    assertEquals(TextCleaner.CLIP, TextCleaner.named("CLIP"));
    assertThrows(IllegalArgumentException.class, () -> TextCleaner.named("ftfy"));
  }
}
