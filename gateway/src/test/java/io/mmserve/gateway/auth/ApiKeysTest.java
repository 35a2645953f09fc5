package io.mmserve.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keys file, the hashed lookup and the reload that keeps the old keys on a broken file. */
class ApiKeysTest {
  @TempDir Path dir;

  @Test
  void authenticate_findsTheKeyByItsHash_andNothingForAnotherKey() {
    String secret = ApiKey.newSecret();
    ApiKeys keys = new ApiKeys(List.of(new ApiKey("reader", ApiKey.hash(secret), Permission.READ)));

    assertEquals("reader", keys.authenticate(secret).orElseThrow().id());
    assertTrue(keys.authenticate(ApiKey.newSecret()).isEmpty());
    assertTrue(keys.authenticate("").isEmpty());
  }

  @Test
  void newSecret_isRandomAnd256Bits() {
    String a = ApiKey.newSecret();

    assertTrue(a.matches("mmk_[A-Za-z0-9_-]{43}"), a);
    assertFalse(a.equals(ApiKey.newSecret()));
  }

  @Test
  void fileLine_roundTrips() {
    ApiKey key = new ApiKey("w-1", ApiKey.hash("k"), Permission.WRITE);

    assertEquals(List.of(key), ApiKeysFile.parse("# keys\n\n" + key.line() + "\n", "f"));
  }

  @Test
  void badLines_nameTheLineAndTheRule() {
    String hash = "a".repeat(64);
    assertEquals(
        "keys:2: a key line is ID PERMISSION SHA256-HEX (3 fields), but had 2",
        parseError("# c\nreader read\n"));
    assertEquals(
        "keys:1: the hash must be 64 hex digits (a SHA-256), but had 3 characters",
        parseError("reader read abc"));
    assertEquals(
        "keys:1: permission must be read or write, but was admin",
        parseError("reader admin " + hash));
    assertEquals(
        "keys:2: key id reader appears twice",
        parseError("reader read " + hash + "\nreader write " + "b".repeat(64)));
    assertEquals(
        "keys:2: this hash appears twice", parseError("r1 read " + hash + "\nr2 write " + hash));
  }

  @Test
  void reload_swapsInChangedKeys_andKeepsTheOldOnesWhenTheFileIsBroken() throws Exception {
    Path file = dir.resolve("keys");
    String first = ApiKey.newSecret();
    String second = ApiKey.newSecret();
    Files.writeString(file, new ApiKey("first", ApiKey.hash(first), Permission.READ).line() + "\n");
    ApiKeysReloader reloader = ApiKeysReloader.load(file);
    ApiKeys keys = reloader.keys();

    assertFalse(reloader.reloadIfChanged(), "unchanged file");
    Files.writeString(
        file, new ApiKey("second", ApiKey.hash(second), Permission.WRITE).line() + "\n");
    assertTrue(reloader.reloadIfChanged());
    assertTrue(keys.authenticate(first).isEmpty());
    assertEquals("second", keys.authenticate(second).orElseThrow().id());

    Files.writeString(file, "second write not-a-hash\n");
    assertFalse(reloader.reloadIfChanged());
    assertEquals("second", keys.authenticate(second).orElseThrow().id());

    Files.delete(file);
    assertFalse(reloader.reloadIfChanged());
    assertEquals("second", keys.authenticate(second).orElseThrow().id());
  }

  @Test
  void load_refusesABrokenFileAtStart() {
    Path file = dir.resolve("missing");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ApiKeysReloader.load(file));

    assertTrue(e.getMessage().startsWith("cannot read the API keys file " + file), e.getMessage());
  }

  private static String parseError(String text) {
    return assertThrows(IllegalArgumentException.class, () -> ApiKeysFile.parse(text, "keys"))
        .getMessage();
  }
}
