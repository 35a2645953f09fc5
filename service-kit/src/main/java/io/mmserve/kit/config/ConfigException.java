package io.mmserve.kit.config;

/**
 * A setting is missing, unknown or has a bad value. The message names the setting, the rule, the
 * bad value and where the value came from, so it can be printed to the operator as it is.
 */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
