package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LabelPromptsTest {
  private static final RequestLimits LIMITS = RequestLimits.of(1, 1);

  @Test
  void of_emptyTemplate_usesThePhotoTemplate() {
    LabelPrompts prompts = LabelPrompts.of(List.of("red circle", "blue square"), "", LIMITS);

    assertEquals(List.of("a photo of a red circle", "a photo of a blue square"), prompts.prompts());
    assertEquals(List.of("red circle", "blue square"), prompts.labels());
  }

  @Test
  void of_templateWithPlaceholderAnywhere_replacesIt() {
    assertEquals(
        List.of("red: a shape"), LabelPrompts.of(List.of("red"), "{}: a shape", LIMITS).prompts());
  }
}
