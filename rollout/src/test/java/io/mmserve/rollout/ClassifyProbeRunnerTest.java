package io.mmserve.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link ClassifyProbeRunner} with an injected probe set and classifier: the classifier "sees" the
 * label written in each image's bytes, so the test decides which answers are right.
 */
class ClassifyProbeRunnerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final AtomicLong nanos = new AtomicLong();
  private final List<String> calls = new ArrayList<>();

  /** Five probes over two labels; the image bytes are the label the classifier will answer. */
  private static LabelledProbes probes(String... answers) {
    List<String> truth =
        List.of("red circle", "red circle", "blue square", "blue square", "red circle");
    List<LabelledProbes.Probe> images = new ArrayList<>();
    for (int i = 0; i < truth.size(); i++) {
      images.add(new LabelledProbes.Probe("p" + i + ".png", answers[i].getBytes(), truth.get(i)));
    }
    return new LabelledProbes("a photo of a {}", List.of("red circle", "blue square"), images);
  }

  /** Answers each image's bytes as its label; takes {@code took} of the test clock per call. */
  private ProbeClassifier readingTheImages(Duration took) {
    return (pinned, images, labels, template, timeout) -> {
      calls.add(pinned + " " + images.size() + " images within " + timeout.toSeconds() + "s");
      nanos.addAndGet(took.toNanos());
      return images.stream().map(String::new).toList();
    };
  }

  private ClassifyProbeRunner runner(ProbeSetSource source, ProbeClassifier classifier) {
    return new ClassifyProbeRunner(source, classifier, TIMEOUT, 2, nanos::get);
  }

  @Test
  void accuracy_isTheShareOfImagesWhoseTopLabelIsTheTrueOne_inCallsOfAtMostTheLimit() {
    LabelledProbes set =
        probes("red circle", "blue square", "blue square", "blue square", "red circle");

    ProbeAccuracy result =
        runner((pinned, timeout) -> set, readingTheImages(Duration.ofSeconds(1)))
            .accuracy("shapes-clip", "1.1.0-int8");

    assertEquals(OptionalDouble.of(0.8), result.accuracy());
    assertEquals("4 of 5 probe images classified as labelled", result.detail());
    assertEquals(
        List.of(
            "shapes-clip@1.1.0-int8 2 images within 30s",
            "shapes-clip@1.1.0-int8 2 images within 29s",
            "shapes-clip@1.1.0-int8 1 images within 28s"),
        calls);
  }

  @Test
  void aProbeSetThatCannotBeFetched_givesNoAccuracyAndTheReason() {
    ProbeAccuracy result =
        runner(
                (pinned, timeout) -> {
                  throw new ProbeException("NOT_FOUND: model x@2 has no probe set");
                },
                readingTheImages(Duration.ZERO))
            .accuracy("x", "2");

    assertEquals(OptionalDouble.empty(), result.accuracy());
    assertEquals("x@2: NOT_FOUND: model x@2 has no probe set", result.detail());
    assertEquals(List.of(), calls);
  }

  @Test
  void aFailedClassifyCall_givesNoAccuracy_notAPoorOne() {
    LabelledProbes set = probes("red circle", "red circle", "blue square", "blue square", "x");
    ProbeClassifier failing =
        (pinned, images, labels, template, timeout) -> {
          throw new ProbeException("Classify failed: UNAVAILABLE: fault injected");
        };

    ProbeAccuracy result = runner((pinned, timeout) -> set, failing).accuracy("x", "2");

    assertEquals(OptionalDouble.empty(), result.accuracy());
    assertEquals("x@2: Classify failed: UNAVAILABLE: fault injected", result.detail());
  }

  @Test
  void theTimeoutCoversAllCalls_andRunningOutGivesNoAccuracy() {
    LabelledProbes set = probes("red circle", "red circle", "blue square", "blue square", "x");

    ProbeAccuracy result =
        runner((pinned, timeout) -> set, readingTheImages(Duration.ofSeconds(20)))
            .accuracy("x", "2");

    assertEquals(OptionalDouble.empty(), result.accuracy());
    assertEquals("x@2: the probe timeout of PT30S ran out", result.detail());
    assertEquals(2, calls.size(), "no third call after the time ran out");
  }

  @Test
  void aClassifierAnsweringTooFewRows_givesNoAccuracy() {
    LabelledProbes set = probes("red circle", "red circle", "blue square", "blue square", "x");

    ProbeAccuracy result =
        runner((pinned, timeout) -> set, (p, images, l, t, d) -> List.of("red circle"))
            .accuracy("x", "2");

    assertEquals("x@2: Classify answered 1 classifications for 2 images", result.detail());
  }

  @Test
  void imagesPerCall_mustBePositive() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new ClassifyProbeRunner(
                (p, t) -> null, (p, i, l, t, d) -> List.of(), TIMEOUT, 0, nanos::get));
  }
}
