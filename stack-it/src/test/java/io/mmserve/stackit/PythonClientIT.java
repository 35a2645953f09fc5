package io.mmserve.stackit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.testsupport.LocalStackProcess;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.testsupport.ShapePictures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Python client (clients/python) against the local stack: its pytest suite, including the tests
 * of tests/test_live_gateway.py that call the gateway, and its example program. The client and its
 * test tools are pip-installed (versions pinned in its pyproject.toml) into a venv under {@code
 * target/}, made once with python3; the pictures are test-support's {@link ShapePictures}.
 */
class PythonClientIT {
  private static final Path WORK = Path.of("target/python-client-it").toAbsolutePath();
  private static final Path VENV = Path.of("target/python-client-venv").toAbsolutePath();
  private static final long PIP_MINUTES = 15;
  private static final long RUN_MINUTES = 10;

  private static Path root;
  private static Path pictures;
  private static LocalStackProcess stack;

  @BeforeAll
  static void installClientAndStartStack() throws Exception {
    root = ReferencePack.repoRoot();
    Files.createDirectories(WORK);
    Path python = VENV.resolve("bin/python");
    if (!Files.isExecutable(python)) {
      ProcessRun.of(
              List.of("python3", "-m", "venv", VENV.toString()),
              root,
              Map.of(),
              WORK.resolve("venv.log"),
              PIP_MINUTES)
          .assertSucceeded("python3 -m venv");
    }
    // not editable: the tests import the package as pip installs it for a user
    ProcessRun.of(
            List.of(
                python.toString(),
                "-m",
                "pip",
                "install",
                "-q",
                "--force-reinstall",
                "--no-deps",
                root.resolve("clients/python").toString()),
            root,
            Map.of(),
            WORK.resolve("pip-client.log"),
            PIP_MINUTES)
        .assertSucceeded("pip install clients/python");
    ProcessRun.of(
            List.of(
                python.toString(),
                "-m",
                "pip",
                "install",
                "-q",
                root.resolve("clients/python").toString() + "[dev]"),
            root,
            Map.of(),
            WORK.resolve("pip-deps.log"),
            PIP_MINUTES)
        .assertSucceeded("pip install clients/python[dev]");
    pictures = Files.createDirectories(WORK.resolve("pictures"));
    for (String colour : List.of("red", "green", "blue")) {
      for (String shape : List.of("circle", "square", "triangle")) {
        Files.write(
            pictures.resolve(colour + "-" + shape + ".png"), ShapePictures.png(colour, shape));
      }
    }
    stack = LocalStackProcess.start(WORK, List.of(), Map.of());
  }

  @AfterAll
  static void stopStack() throws InterruptedException {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void pytestSuite_passesAgainstTheLiveGateway() throws Exception {
    ProcessRun run =
        ProcessRun.of(
            List.of(
                VENV.resolve("bin/python").toString(),
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-rs",
                "clients/python/tests"),
            root,
            Map.of(
                "MMSERVE_TEST_TARGET", stack.gatewayTarget(),
                "MMSERVE_TEST_PICTURES", pictures.toString()),
            WORK.resolve("pytest.log"),
            RUN_MINUTES);

    run.assertSucceeded("pytest clients/python/tests");
    // the integration tests ran (they skip themselves without a target)
    assertTrue(run.output().contains("test_live_gateway.py"), run.output());
    assertTrue(
        !run.output().matches("(?s).*\\d+ skipped.*"), "tests were skipped:\n" + run.output());
  }

  @Test
  void quickstartExample_classifiesAndShowsTheFieldOfAnInvalidRequest() throws Exception {
    ProcessRun run =
        ProcessRun.of(
            List.of(
                VENV.resolve("bin/python").toString(),
                "clients/python/examples/quickstart.py",
                pictures.resolve("red-circle.png").toString()),
            root,
            Map.of("MMSERVE_TARGET", stack.gatewayTarget()),
            WORK.resolve("quickstart.log"),
            RUN_MINUTES);

    run.assertSucceeded("examples/quickstart.py");
    String out = run.output();
    assertTrue(out.contains("classify: red circle"), out);
    assertTrue(out.contains("invalid request: INVALID_ARGUMENT, field labels[1]"), out);
    assertTrue(out.contains("quickstart: ok"), out);
  }
}
