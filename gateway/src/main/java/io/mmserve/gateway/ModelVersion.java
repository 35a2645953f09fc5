package io.mmserve.gateway;

/**
 * The model and version an encoder answered with. Later hops of the same request name it pinned
 * ({@code name@version}), so every part of one answer comes from the same model version.
 *
 * @param name model pack name ("shapes-clip")
 * @param version its version ("1.0.0")
 */
record ModelVersion(String name, String version) {

  /** The {@code name@version} form the services resolve to exactly this version. */
  String pinned() {
    return name + "@" + version;
  }

  @Override
  public String toString() {
    return pinned();
  }
}
