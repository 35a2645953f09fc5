package io.mmserve.kit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShutdownHookTest {

  @Test
  void closeAll_closesInOrderAndGoesOnAfterAFailure() {
    List<String> closed = new ArrayList<>();

    ShutdownHook.closeAll(
        List.of(
            () -> closed.add("grpc"),
            () -> {
              throw new IllegalStateException("admin failed");
            },
            () -> closed.add("backend")));

    assertEquals(List.of("grpc", "backend"), closed);
  }
}
