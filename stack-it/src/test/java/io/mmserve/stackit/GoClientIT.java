package io.mmserve.stackit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.testsupport.LocalStackProcess;
import io.mmserve.testsupport.ReferencePack;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Go client (clients/go) against a real local stack, as a Go user runs it: {@code go vet},
 * {@code go test} with {@code MMSERVE_GATEWAY} set to the stack's gateway (so its live tests run:
 * embedding shape and norm, classify on the bundled shapes pictures, the structured error of a bad
 * image), and the example program. Needs {@code go} on the PATH; the Go module proxy or a module
 * cache provides the pinned dependencies of clients/go/go.sum.
 *
 * <p>One stack for the class, started before the tests and stopped after them.
 */
class GoClientIT {
  private static final Path TARGET = Path.of("target").toAbsolutePath();
  private static final Path MODULE = ReferencePack.repoRoot().resolve("clients/go");

  /** The live tests of clients/go/mmserve/live_test.go; each must pass, none be skipped. */
  private static final List<String> LIVE_TESTS =
      List.of(
          "TestLive_embedTextsAreUnitVectorsOfOneSize",
          "TestLive_embedImagesFromBytesFileAndPixelsAgree",
          "TestLive_classifyPicksTheShapeOfEachPicture",
          "TestLive_rankAndMatchPreferTheRightPicture",
          "TestLive_searchFindsTheUpsertedItem",
          "TestLive_invalidImageIsInvalidArgumentNamingTheField",
          "TestLive_unknownModelIsInvalidArgumentNamingTheModel");

  private static LocalStackProcess stack;

  @BeforeAll
  static void startStack() throws Exception {
    stack = LocalStackProcess.start(TARGET.resolve("go-client-data"), List.of(), Map.of());
  }

  @AfterAll
  static void stopStack() throws InterruptedException {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void goVet_isClean() throws Exception {
    GoCommand.Result vet = GoCommand.run(MODULE, Map.of(), "vet", "./...");

    assertEquals(0, vet.exitCode(), vet.describe());
  }

  @Test
  void goTest_passesWithTheLiveTestsAgainstTheStack() throws Exception {
    // -count=1: go test caches results per environment, and the stack's ports repeat across runs
    GoCommand.Result test =
        GoCommand.run(
            MODULE,
            Map.of("MMSERVE_GATEWAY", stack.gatewayTarget()),
            "test",
            "-count=1",
            "-v",
            "./...");

    assertEquals(0, test.exitCode(), test.describe() + "\nstack output:\n" + stack.output());
    for (String live : LIVE_TESTS) {
      assertTrue(
          test.output().contains("--- PASS: " + live + " "),
          live + " did not pass:\n" + test.describe());
    }
    assertFalse(test.output().contains("--- SKIP"), "a test was skipped:\n" + test.describe());
  }

  @Test
  void example_classifiesTheRedCircleAndShowsTheStructuredError() throws Exception {
    GoCommand.Result example =
        GoCommand.run(MODULE, Map.of(), "run", "./cmd/example", "-gateway", stack.gatewayTarget());

    assertEquals(0, example.exitCode(), example.describe());
    assertTrue(
        example.output().contains("Classify testdata/red_circle.png: red circle"),
        example.describe());
    assertTrue(
        example.output().contains("a bad image: InvalidArgument, field images[0]: "),
        example.describe());
  }
}
