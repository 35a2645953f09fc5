package io.mmserve.inference.safetensors;

import java.io.IOException;

/** A safetensors file is malformed or holds what this reader does not support. */
public final class SafetensorsException extends IOException {
  private static final long serialVersionUID = 1L;

  public SafetensorsException(String message) {
    super(message);
  }
}
