package io.mmserve.gateway;

import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The prompts of a Classify request: each label put into the prompt template.
 *
 * @param labels the labels as given, checked
 * @param prompts prompt i for label i
 */
record LabelPrompts(List<String> labels, List<String> prompts) {
  /** The template used when the request sets none, as in CLIP's zero-shot evaluation. */
  static final String DEFAULT_TEMPLATE = "a photo of a {}";

  static final String PLACEHOLDER = "{}";

  /**
   * Checks labels and template and builds the prompts.
   *
   * @param template the request's template; empty for {@link #DEFAULT_TEMPLATE}
   * @throws InvalidInputException naming the rule: no labels, too many, an empty or duplicate label
   *     (both indexes named), a template without exactly one {@code {}}
   */
  static LabelPrompts of(List<String> labels, String template, RequestLimits limits) {
    limits.checkLabelCount(labels.size());
    String effective = template.isEmpty() ? DEFAULT_TEMPLATE : template;
    checkTemplate(effective);
    Map<String, Integer> firstIndex = new HashMap<>();
    List<String> prompts = new ArrayList<>(labels.size());
    for (int i = 0; i < labels.size(); i++) {
      String label = labels.get(i);
      if (label.isBlank()) {
        throw new InvalidInputException(
            FieldViolation.item("labels", i, "the label is empty; every label needs some text"));
      }
      Integer earlier = firstIndex.putIfAbsent(label, i);
      if (earlier != null) {
        throw new InvalidInputException(
            FieldViolation.item(
                "labels",
                i,
                "duplicate of labels[" + earlier + "] ('" + label + "'); labels must be unique"));
      }
      prompts.add(effective.replace(PLACEHOLDER, label));
    }
    return new LabelPrompts(List.copyOf(labels), List.copyOf(prompts));
  }

  private static void checkTemplate(String template) {
    int first = template.indexOf(PLACEHOLDER);
    if (first < 0 || template.indexOf(PLACEHOLDER, first + PLACEHOLDER.length()) >= 0) {
      throw new InvalidInputException(
          FieldViolation.of(
              "prompt_template",
              "'"
                  + template
                  + "' must contain the placeholder {} exactly once (it is replaced by each label)"));
    }
  }
}
