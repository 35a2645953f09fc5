package io.mmserve.cli;

import com.google.gson.JsonObject;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import io.mmserve.rollout.ModelRollout;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code mmserve rollout status|pause|resume|promote|abort NAME [--kubeconfig FILE] [--namespace
 * NS]}: reads or steers a ModelRollout through the Kubernetes API with the kubeconfig kubectl would
 * use ({@code --kubeconfig}, else {@code $KUBECONFIG}'s first file, else {@code ~/.kube/config};
 * the namespace: {@code --namespace}, else the current context's, else {@code default}). pause and
 * resume set {@code spec.paused}; promote and abort set the annotation {@value
 * ModelRollout#ACTION_ANNOTATION}, which the controller acts on at its next round and removes.
 */
final class RolloutCommand {
  static final String USAGE =
      "rollout status|pause|resume|promote|abort NAME [--kubeconfig FILE] [--namespace NS]";

  private static final List<String> ACTIONS =
      List.of("status", "pause", "resume", "promote", "abort");

  private final PrintStream out;
  private final PrintStream err;

  RolloutCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** Runs {@code rollout ARGS}; returns the exit code. */
  int run(List<String> args, Map<String, String> env) {
    CommandLine line = CommandLine.parse(args, Set.of("--kubeconfig", "--namespace"), Set.of());
    List<String> words = line.positionals();
    if (words.size() != 2 || !ACTIONS.contains(words.get(0))) {
      throw new UsageException("rollout takes an action and a name: " + USAGE);
    }
    String action = words.get(0);
    String name = words.get(1);
    Path kubeconfig =
        line.value("--kubeconfig").map(Path::of).orElseGet(() -> defaultKubeconfig(env));
    KubeConfig config;
    ApiClient client;
    try (Reader reader = Files.newBufferedReader(kubeconfig)) {
      config = KubeConfig.loadKubeConfig(reader);
      config.setFile(kubeconfig.toFile());
      client = ClientBuilder.kubeconfig(config).build();
    } catch (IOException | RuntimeException e) {
      err.println(
          "mmserve rollout: cannot read the kubeconfig " + kubeconfig + ": " + e.getMessage());
      return 1;
    }
    String namespace =
        line.value("--namespace")
            .or(() -> Optional.ofNullable(config.getNamespace()))
            .filter(ns -> !ns.isBlank())
            .orElse("default");
    DynamicKubernetesApi api =
        new DynamicKubernetesApi(
            ModelRollout.GROUP, ModelRollout.VERSION, ModelRollout.PLURAL, client);
    String what = "ModelRollout " + namespace + "/" + name;
    try {
      KubernetesApiResponse<DynamicKubernetesObject> response =
          switch (action) {
            case "status" -> api.get(namespace, name);
            case "pause", "resume" ->
                api.patch(
                    namespace,
                    name,
                    V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                    new V1Patch("{\"spec\":{\"paused\":" + action.equals("pause") + "}}"));
            default ->
                api.patch(
                    namespace,
                    name,
                    V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                    new V1Patch(
                        "{\"metadata\":{\"annotations\":{\""
                            + ModelRollout.ACTION_ANNOTATION
                            + "\":\""
                            + action
                            + "\"}}}"));
          };
      if (!response.isSuccess()) {
        err.println("mmserve rollout: " + failure(what, response));
        return 1;
      }
      JsonObject object = response.getObject().getRaw();
      switch (action) {
        case "status" -> out.print(RolloutStatusFormat.format(object));
        case "pause" -> out.println(what + ": paused (spec.paused=true); the weight holds");
        case "resume" -> out.println(what + ": resumed (spec.paused=false)");
        default ->
            out.println(
                what
                    + ": asked the controller to "
                    + action
                    + " ("
                    + ModelRollout.ACTION_ANNOTATION
                    + "="
                    + action
                    + "); it acts at its next round");
      }
      return 0;
    } catch (RuntimeException e) {
      err.println(
          "mmserve rollout: cannot reach the Kubernetes API of "
              + kubeconfig
              + ": "
              + e.getMessage());
      return 1;
    }
  }

  private static String failure(String what, KubernetesApiResponse<?> response) {
    int code = response.getHttpStatusCode();
    String message = response.getStatus() == null ? "" : response.getStatus().getMessage();
    return switch (code) {
      case 404 -> "no " + what + " (HTTP 404: " + message + ")";
      case 401, 403 -> "not allowed on " + what + " (HTTP " + code + ": " + message + ")";
      default -> what + ": HTTP " + code + " " + message;
    };
  }

  /** What kubectl reads: the first file of $KUBECONFIG, else ~/.kube/config. */
  static Path defaultKubeconfig(Map<String, String> env) {
    String variable = env.get("KUBECONFIG");
    if (variable != null && !variable.isBlank()) {
      return Path.of(variable.split(java.io.File.pathSeparator)[0]);
    }
    return Path.of(System.getProperty("user.home"), ".kube", "config");
  }
}
