package io.mmserve.kubernetes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The Kubernetes objects of a helm manifest (multi-document YAML), as plain maps, in order. */
record Manifest(List<KubeObject> objects) {
  Manifest {
    objects = List.copyOf(objects);
  }

  /** One object; {@link #at} walks its nested maps. */
  record KubeObject(Map<String, Object> fields) {
    String apiVersion() {
      return (String) fields.get("apiVersion");
    }

    String kind() {
      return (String) fields.get("kind");
    }

    String name() {
      return string("metadata", "name");
    }

    /** The value at {@code path} (map keys), or null when a step is missing. */
    Object at(String... path) {
      Object current = fields;
      for (String step : path) {
        if (!(current instanceof Map<?, ?> map)) {
          return null;
        }
        current = map.get(step);
      }
      return current;
    }

    String string(String... path) {
      Object value = at(path);
      return value == null ? null : value.toString();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> map(String... path) {
      Object value = at(path);
      return value instanceof Map<?, ?> ? (Map<String, Object>) value : Map.of();
    }

    @SuppressWarnings("unchecked")
    List<Object> list(String... path) {
      Object value = at(path);
      return value instanceof List<?> ? (List<Object>) value : List.of();
    }

    @Override
    public String toString() {
      return kind() + "/" + name();
    }
  }

  @SuppressWarnings("unchecked")
  static Manifest parse(String yaml) {
    LoaderOptions options = new LoaderOptions();
    Yaml parser = new Yaml(new SafeConstructor(options));
    List<KubeObject> objects = new ArrayList<>();
    for (Object document : parser.loadAll(yaml)) {
      if (document instanceof Map<?, ?> map && map.containsKey("kind")) {
        objects.add(new KubeObject((Map<String, Object>) map));
      }
    }
    return new Manifest(objects);
  }

  List<KubeObject> ofKind(String kind) {
    return objects.stream().filter(o -> o.kind().equals(kind)).toList();
  }

  Optional<KubeObject> find(String kind, String name) {
    return objects.stream().filter(o -> o.kind().equals(kind) && o.name().equals(name)).findFirst();
  }

  KubeObject get(String kind, String name) {
    return find(kind, name)
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + objects));
  }
}
