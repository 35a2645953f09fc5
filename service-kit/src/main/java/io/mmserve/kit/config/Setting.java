package io.mmserve.kit.config;

import java.util.Objects;

/**
 * One setting's value and where it came from ("default", "file /etc/mmserve.conf:3", "env
 * MMSERVE_GRPC_PORT", "flag --grpc.port").
 */
public record Setting(String value, String source) {
  public Setting {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(source, "source");
  }
}
