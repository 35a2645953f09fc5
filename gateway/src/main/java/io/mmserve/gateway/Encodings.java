package io.mmserve.gateway;

import io.mmserve.kit.errors.BackendUnavailableException;

/** Checks shared by the calls that combine answers of several backends. */
final class Encodings {
  private Encodings() {}

  /**
   * Throws unless {@code backend} answered with {@code expected}: the parts of one answer must come
   * from one model version (the two encoders can briefly differ while a new version rolls out).
   *
   * @throws BackendUnavailableException if the versions differ
   */
  static void requireVersion(String backend, ModelVersion expected, String model, String version) {
    if (!expected.name().equals(model) || !expected.version().equals(version)) {
      throw new BackendUnavailableException(
          backend
              + " answered with "
              + model
              + "@"
              + version
              + ", but the other part of the request was encoded with "
              + expected
              + "; retry when the services serve the same version");
    }
  }
}
