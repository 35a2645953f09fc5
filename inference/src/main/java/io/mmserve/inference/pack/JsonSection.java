package io.mmserve.inference.pack;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.reflect.TypeToken;
import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A JSON object with its path in the manifest ("text.encoder"), whose typed getters fail with the
 * field's full path and the bad value: "text.context_length must be an integer > 0, but was 0".
 */
final class JsonSection {
  private static final Gson GSON = new Gson();

  private final JsonObject object;
  private final String path;

  /**
   * The top level of a JSON document (a manifest, a probe set).
   *
   * @throws ModelPackException if {@code json} is not valid JSON or not an object
   */
  static JsonSection document(String json) {
    JsonElement root;
    try {
      root = JsonParser.parseString(json);
    } catch (JsonParseException e) {
      throw new ModelPackException("not valid JSON: " + e.getMessage(), e);
    }
    if (!root.isJsonObject()) {
      throw new ModelPackException("must be a JSON object, but was " + root);
    }
    return new JsonSection(root.getAsJsonObject(), "");
  }

  JsonSection(JsonObject object, String path) {
    this.object = object;
    this.path = path;
  }

  String field(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  boolean has(String name) {
    return object.has(name) && !object.get(name).isJsonNull();
  }

  JsonSection section(String name) {
    JsonElement e = require(name);
    if (!e.isJsonObject()) {
      throw bad(field(name), "must be an object", e);
    }
    return new JsonSection(e.getAsJsonObject(), field(name));
  }

  Optional<JsonSection> optionalSection(String name) {
    return has(name) ? Optional.of(section(name)) : Optional.empty();
  }

  List<JsonSection> sections(String name) {
    JsonArray array = array(name);
    List<JsonSection> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      String itemPath = field(name) + "[" + i + "]";
      if (!array.get(i).isJsonObject()) {
        throw bad(itemPath, "must be an object", array.get(i));
      }
      out.add(new JsonSection(array.get(i).getAsJsonObject(), itemPath));
    }
    return out;
  }

  String string(String name) {
    JsonElement e = require(name);
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString() || e.getAsString().isBlank()) {
      throw bad(field(name), "must be a non-empty string", e);
    }
    return e.getAsString();
  }

  Optional<String> optionalString(String name) {
    return has(name) ? Optional.of(string(name)) : Optional.empty();
  }

  /**
   * A file name, resolved against {@code dir}; a name no path can hold, and one that leads out of
   * {@code dir} (an absolute path, {@code ..}), is the field's error: a manifest reads only its own
   * pack's files.
   */
  Path file(String name, Path dir) {
    return file(name, dir, dir);
  }

  /**
   * A file name, resolved against {@code base}, that must lead to a file inside {@code pack} (as
   * {@link #file(String, Path)}, for names written relative to a folder of the pack).
   */
  Path file(String name, Path base, Path packDir) {
    String value = string(name);
    Path file;
    try {
      file = base.resolve(value);
    } catch (InvalidPathException e) {
      throw bad(field(name), "must be a file name (" + e.getReason() + ")", require(name));
    }
    Path pack = packDir.toAbsolutePath().normalize();
    if (!file.toAbsolutePath().normalize().startsWith(pack)
        || file.toAbsolutePath().normalize().equals(pack)) {
      throw bad(field(name), "must name a file inside the pack's folder", require(name));
    }
    return file;
  }

  Optional<Path> optionalFile(String name, Path dir) {
    return has(name) ? Optional.of(file(name, dir)) : Optional.empty();
  }

  int intAtLeast(String name, int min) {
    return toInt(field(name), require(name), min);
  }

  double positiveDouble(String name) {
    JsonElement e = require(name);
    double value = number(field(name), e).doubleValue();
    if (!(value > 0) || Double.isInfinite(value)) {
      throw bad(field(name), "must be a finite number > 0", e);
    }
    return value;
  }

  boolean bool(String name, boolean fallback) {
    if (!has(name)) {
      return fallback;
    }
    JsonElement e = object.get(name);
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
      throw bad(field(name), "must be true or false", e);
    }
    return e.getAsBoolean();
  }

  List<Double> doubles(String name, int count) {
    JsonArray array = array(name);
    if (array.size() != count) {
      throw bad(field(name), "must have " + count + " numbers", array);
    }
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(number(field(name) + "[" + i + "]", array.get(i)).doubleValue());
    }
    return out;
  }

  List<String> strings(String name) {
    JsonArray array = array(name);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      JsonElement e = array.get(i);
      if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString() || e.getAsString().isBlank()) {
        throw bad(field(name) + "[" + i + "]", "must be a non-empty string", e);
      }
      out.add(e.getAsString());
    }
    return out;
  }

  List<Long> dims(String name) {
    JsonArray array = array(name);
    if (array.isEmpty()) {
      throw bad(field(name), "must list at least one dimension", array);
    }
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      String where = field(name) + "[" + i + "]";
      long d = toInt(where, array.get(i), -1);
      if (d == 0) {
        throw bad(where, "must be -1 (dynamic) or > 0", array.get(i));
      }
      out.add(d);
    }
    return out;
  }

  /** The whole object as plain Java values. */
  Map<String, Object> toMap() {
    return GSON.fromJson(object, new TypeToken<Map<String, Object>>() {}.getType());
  }

  private JsonArray array(String name) {
    JsonElement e = require(name);
    if (!e.isJsonArray()) {
      throw bad(field(name), "must be an array", e);
    }
    return e.getAsJsonArray();
  }

  private JsonElement require(String name) {
    if (!has(name)) {
      throw new ModelPackException(field(name) + " is missing");
    }
    return object.get(name);
  }

  private static int toInt(String where, JsonElement e, int min) {
    BigDecimal value = number(where, e);
    String rule = "must be an integer >= " + min;
    try {
      int i = value.intValueExact();
      if (i < min) {
        throw bad(where, rule, e);
      }
      return i;
    } catch (ArithmeticException ex) {
      throw bad(where, rule, e);
    }
  }

  private static BigDecimal number(String where, JsonElement e) {
    if (!e.isJsonPrimitive() || !((JsonPrimitive) e).isNumber()) {
      throw bad(where, "must be a number", e);
    }
    try {
      return e.getAsBigDecimal();
    } catch (NumberFormatException ex) {
      // Gson refuses exponents past its limits ("1e99999999") rather than reading them
      throw bad(where, "must be a number of a usable size", e);
    }
  }

  private static ModelPackException bad(String where, String rule, JsonElement value) {
    return new ModelPackException(where + " " + rule + ", but was " + value);
  }
}
