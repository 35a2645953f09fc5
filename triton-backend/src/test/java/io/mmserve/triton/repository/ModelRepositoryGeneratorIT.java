package io.mmserve.triton.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.inference.pack.ModelPack;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.triton.TritonServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated config.pbtxt files parse as Triton's own ModelConfig message: the one of Triton's
 * Python client (tritonclient's model_config_pb2, in the PyTriton venv), not mmserve's copy.
 */
class ModelRepositoryGeneratorIT {
  private static final String PARSE =
      """
      import sys
      from google.protobuf import text_format
      from tritonclient.grpc import model_config_pb2
      for path in sys.argv[1:]:
          with open(path) as f:
              config = text_format.Parse(f.read(), model_config_pb2.ModelConfig())
          print(config.name, config.backend, config.max_batch_size, len(config.input), len(config.output))
      """;

  @Test
  void generatedConfigs_parseAsTritonsModelConfig(@TempDir Path repository)
      throws IOException, InterruptedException {
    List<Path> models =
        new ModelRepositoryGenerator(RepositoryOptions.defaults())
            .write(ModelPack.load(ReferencePack.dir()), repository);
    List<String> command =
        new ArrayList<>(
            List.of(TritonServerProcess.venv().resolve("bin/python").toString(), "-c", PARSE));
    models.forEach(m -> command.add(m.resolve(ModelRepositoryGenerator.CONFIG_FILE).toString()));
    Process python = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    python.waitFor(60, TimeUnit.SECONDS);
    assertEquals(0, python.exitValue(), output);
    List<String> lines = output.lines().toList();
    assertEquals(models.size(), lines.size(), output);
    for (int i = 0; i < models.size(); i++) {
      String expected =
          models.get(i).getFileName() + " onnxruntime " + RepositoryOptions.DEFAULT_MAX_BATCH_SIZE;
      assertTrue(lines.get(i).startsWith(expected + " "), lines.get(i));
    }
  }
}
