package io.mmserve.inference.pack;

import io.mmserve.kit.errors.ModelNotFoundException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The model packs a service serves, found by the names requests use: "" for the default (the first
 * pack given), "name" for the last-given pack of that name, "name@version" for an exact pack.
 * Immutable.
 */
public final class ModelRegistry {
  private final List<ModelPack> packs;

  /**
   * @param packs at least one pack, the default first; no two with the same name and version
   */
  public ModelRegistry(List<ModelPack> packs) {
    if (packs.isEmpty()) {
      throw new IllegalArgumentException("a model registry needs at least one pack");
    }
    Set<String> ids = new HashSet<>();
    for (ModelPack pack : packs) {
      if (!ids.add(pack.manifest().id())) {
        throw new ModelPackException("two packs are both " + pack.manifest().id());
      }
    }
    this.packs = List.copyOf(packs);
  }

  /** Loads the pack in each directory, the first being the default. */
  public static ModelRegistry load(List<Path> dirs) {
    return new ModelRegistry(dirs.stream().map(ModelPack::load).toList());
  }

  /**
   * The pack a request names.
   *
   * @throws ModelNotFoundException listing the served models when none matches
   */
  public ModelPack resolve(String model) {
    if (model == null || model.isEmpty()) {
      return defaultPack();
    }
    int at = model.indexOf('@');
    String name = at < 0 ? model : model.substring(0, at);
    String version = at < 0 ? null : model.substring(at + 1);
    ModelPack found = null;
    for (ModelPack pack : packs) {
      if (pack.name().equals(name) && (version == null || pack.version().equals(version))) {
        found = pack;
      }
    }
    if (found == null) {
      throw new ModelNotFoundException(
          "unknown model '" + model + "'; this server serves " + String.join(", ", ids()));
    }
    return found;
  }

  /** The pack used when a request names none. */
  public ModelPack defaultPack() {
    return packs.get(0);
  }

  /** All packs, the default first. */
  public List<ModelPack> packs() {
    return packs;
  }

  private List<String> ids() {
    List<String> ids = new ArrayList<>();
    packs.forEach(p -> ids.add(p.manifest().id()));
    return ids;
  }
}
