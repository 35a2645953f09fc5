package io.mmserve.gallery.index;

/**
 * The model version that made a set of vectors. Vectors of two versions live in different embedding
 * spaces, so a collection accepts only the version it was created with.
 *
 * @param name model pack name ("shapes-clip")
 * @param version its version ("1.0.0")
 */
public record ModelRef(String name, String version) {
  public ModelRef {
    if (name == null || name.isBlank() || version == null || version.isBlank()) {
      throw new IllegalArgumentException("a model needs a name and a version");
    }
  }

  @Override
  public String toString() {
    return name + "@" + version;
  }
}
