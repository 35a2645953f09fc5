package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.MethodDescriptor;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.server.MethodMessageLimits;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The gateway's default per-method request limits name its own methods. */
class GatewayMethodLimitsTest {
  @Test
  void defaults_limitTheMethodsWithoutImages() {
    Map<String, Integer> limits =
        MethodMessageLimits.from(Config.of(GatewayConfig.defaults())).limits();
    Set<String> methods =
        MultimodalGrpc.getServiceDescriptor().getMethods().stream()
            .map(MethodDescriptor::getFullMethodName)
            .collect(Collectors.toSet());

    assertTrue(methods.containsAll(limits.keySet()), limits + " vs " + methods);
    assertEquals(16 << 20, limits.get("mmserve.v1.Multimodal/EmbedText"));
  }
}
