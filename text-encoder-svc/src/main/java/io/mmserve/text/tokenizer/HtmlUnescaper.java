package io.mmserve.text.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's {@code html.unescape}, rule for rule, so CLIP text cleaning gives the tokens the
 * reference gives: the HTML5 named references (with the legacy ones that need no {@code ;}, and the
 * longest-prefix rule), decimal and hex references, the Windows-1252 replacements of C1 references,
 * U+FFFD for surrogates and out-of-range numbers, and nothing for the forbidden code points. The
 * named references come from {@value #ENTITIES_RESOURCE}, generated from Python's {@code
 * html.entities.html5}.
 */
final class HtmlUnescaper {
  static final String ENTITIES_RESOURCE = "html5-entities.tsv";

  private static final Pattern CHARREF =
      Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");
  private static final int MAX_CODE_POINT = 0x10FFFF;
  private static final String REPLACEMENT = "\uFFFD";

  /** What Python answers for references to U+0080..U+009F (Windows-1252, or the C1 control). */
  private static final int[] C1_REPLACEMENTS = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178
  };

  private HtmlUnescaper() {}

  /** The text with every character reference replaced, as {@code html.unescape(text)}. */
  static String unescape(String text) {
    if (text.indexOf('&') < 0) {
      return text;
    }
    Matcher m = CHARREF.matcher(text);
    StringBuilder out = new StringBuilder(text.length());
    int last = 0;
    while (m.find()) {
      out.append(text, last, m.start()).append(replacement(m.group(1)));
      last = m.end();
    }
    return out.append(text, last, text.length()).toString();
  }

  private static String replacement(String ref) {
    if (ref.charAt(0) == '#') {
      boolean hex = ref.charAt(1) == 'x' || ref.charAt(1) == 'X';
      String digits = ref.substring(hex ? 2 : 1);
      if (digits.endsWith(";")) {
        digits = digits.substring(0, digits.length() - 1);
      }
      BigInteger value = new BigInteger(digits, hex ? 16 : 10);
      return numeric(value.bitLength() > 31 ? Integer.MAX_VALUE : value.intValue());
    }
    Map<String, String> entities = Entities.TABLE;
    String whole = entities.get(ref);
    if (whole != null) {
      return whole;
    }
    // the longest known prefix, as the HTML5 standard defines it; names are ASCII, so a char
    // index here is Python's code point index
    for (int end = ref.length() - 1; end > 1; end--) {
      String prefix = entities.get(ref.substring(0, end));
      if (prefix != null) {
        return prefix + ref.substring(end);
      }
    }
    return "&" + ref;
  }

  private static String numeric(int codePoint) {
    if (codePoint == 0) {
      return REPLACEMENT;
    }
    if (codePoint == 0x0D) {
      return "\r";
    }
    if (codePoint >= 0x80 && codePoint <= 0x9F) {
      return Character.toString(C1_REPLACEMENTS[codePoint - 0x80]);
    }
    if ((codePoint >= 0xD800 && codePoint <= 0xDFFF) || codePoint > MAX_CODE_POINT) {
      return REPLACEMENT;
    }
    if (isForbidden(codePoint)) {
      return "";
    }
    return Character.toString(codePoint);
  }

  /** Python's {@code _invalid_codepoints}: C0/C1 controls but tab, LF, FF, CR; noncharacters. */
  private static boolean isForbidden(int cp) {
    return (cp >= 0x01 && cp <= 0x08)
        || cp == 0x0B
        || (cp >= 0x0E && cp <= 0x1F)
        || (cp >= 0x7F && cp <= 0x9F)
        || (cp >= 0xFDD0 && cp <= 0xFDEF)
        || (cp & 0xFFFF) >= 0xFFFE;
  }

  /** The named references, loaded on first use. */
  private static final class Entities {
    static final Map<String, String> TABLE = load();

    private static Map<String, String> load() {
      Map<String, String> table = new HashMap<>();
      try (InputStream in = HtmlUnescaper.class.getResourceAsStream(ENTITIES_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(ENTITIES_RESOURCE + " is missing from the classpath");
        }
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
          if (line.isEmpty() || line.startsWith("#")) {
            continue;
          }
          int tab = line.indexOf('\t');
          String[] hex = line.substring(tab + 1).split(" ");
          int[] codePoints = new int[hex.length];
          for (int i = 0; i < hex.length; i++) {
            codePoints[i] = Integer.parseInt(hex[i], 16);
          }
          table.put(line.substring(0, tab), new String(codePoints, 0, codePoints.length));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + ENTITIES_RESOURCE, e);
      }
      return Map.copyOf(table);
    }
  }
}
