package io.mmserve.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The second model version {@code up --canary} serves beside the stable pack: both packs' names and
 * versions, read from their {@code model.json} (the services check the rest when they load them).
 *
 * @param dir the canary pack's folder, absolute
 * @param model the model name both packs share
 * @param stableVersion the stable pack's version
 * @param canaryVersion the canary pack's version
 * @param weight the canary's share of requests in percent
 */
record CanaryPack(Path dir, String model, String stableVersion, String canaryVersion, int weight) {

  /**
   * Reads both manifests and checks that they are two versions of one model.
   *
   * @throws UsageException naming the pack and the rule it breaks
   */
  static CanaryPack of(Path stablePack, Path canaryPack, int weight) {
    String[] stable = identity(stablePack, "--model-pack");
    String[] canary = identity(canaryPack, "--canary");
    if (!stable[0].equals(canary[0])) {
      throw new UsageException(
          "--canary must be another version of the model "
              + stable[0]
              + " that --model-pack serves, but "
              + canaryPack
              + " is model "
              + canary[0]);
    }
    if (stable[1].equals(canary[1])) {
      throw new UsageException(
          "--canary must be another version of "
              + stable[0]
              + ", but "
              + canaryPack
              + " is version "
              + canary[1]
              + " like --model-pack");
    }
    return new CanaryPack(canaryPack, stable[0], stable[1], canary[1], weight);
  }

  /** The gateway settings that split the model's requests between the two versions. */
  java.util.List<String> gatewayFlags() {
    return java.util.List.of(
        "--canary.model=" + model,
        "--canary.stable-version=" + stableVersion,
        "--canary.version=" + canaryVersion,
        "--canary.weight=" + weight);
  }

  /** {name, version} of the pack in {@code dir}. */
  private static String[] identity(Path dir, String option) {
    Path manifest = dir.resolve("model.json");
    try {
      JsonObject json = JsonParser.parseString(Files.readString(manifest)).getAsJsonObject();
      return new String[] {text(json, "name", manifest), text(json, "version", manifest)};
    } catch (IOException | JsonParseException | IllegalStateException e) {
      throw new UsageException(
          option + " must name a model pack folder, but " + manifest + " cannot be read: " + e);
    }
  }

  private static String text(JsonObject json, String field, Path manifest) {
    JsonElement value = json.get(field);
    if (value == null || !value.isJsonPrimitive() || value.getAsString().isBlank()) {
      throw new UsageException(manifest + " has no " + field);
    }
    return value.getAsString();
  }
}
