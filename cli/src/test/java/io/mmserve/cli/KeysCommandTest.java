package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.gateway.auth.ApiKeys;
import io.mmserve.gateway.auth.ApiKeysFile;
import io.mmserve.gateway.auth.Permission;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mmserve keys new} writes what the gateway reads, and prints the key only once. */
class KeysCommandTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  void newKeys_areAppendedAsHashes_thatTheGatewayAccepts() throws Exception {
    Path file = dir.resolve("keys/api-keys");

    assertEquals(
        0, run("new", "--id", "reader", "--permissions", "read", "--file", file.toString()));
    String readKey = printedKey();
    out.reset();
    assertEquals(0, run("new", "--id", "writer", "--permissions=write", "--file=" + file));
    String writeKey = printedKey();

    String text = Files.readString(file);
    assertFalse(text.contains(readKey) || text.contains(writeKey), "a key was written: " + text);
    assertFalse(err.toString(StandardCharsets.UTF_8).contains(readKey), "a key was logged");
    ApiKeys keys = new ApiKeys(ApiKeysFile.parse(text, file.toString()));
    assertEquals(Permission.READ, keys.authenticate(readKey).orElseThrow().permission());
    assertEquals("writer", keys.authenticate(writeKey).orElseThrow().id());
  }

  @Test
  void aRepeatedId_isRefused() throws Exception {
    Path file = dir.resolve("api-keys");
    run("new", "--id", "a", "--permissions", "read", "--file", file.toString());

    assertEquals(1, run("new", "--id", "a", "--permissions", "write", "--file", file.toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("already has a key with id a"));
    assertEquals(1, Files.readAllLines(file).size());
  }

  @Test
  void badOptions_nameTheRule() {
    assertEquals(
        "--permissions must be read or write, but was 'admin'",
        assertThrows(UsageException.class, () -> run("new", "--id", "a", "--permissions", "admin"))
            .getMessage());
    assertEquals(
        "--id must match [A-Za-z0-9_.-]{1,64}, but was 'a b'",
        assertThrows(UsageException.class, () -> run("new", "--id", "a b", "--permissions", "read"))
            .getMessage());
  }

  private String printedKey() {
    String key = out.toString(StandardCharsets.UTF_8).strip();
    assertTrue(key.matches("mmk_[A-Za-z0-9_-]{43}"), key);
    return key;
  }

  private int run(String... args) {
    return new KeysCommand(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8))
        .run(List.of(args), dir);
  }
}
