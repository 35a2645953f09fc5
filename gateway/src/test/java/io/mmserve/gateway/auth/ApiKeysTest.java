package io.mmserve.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
        "keys:2: a key line is ID PERMISSION SHA256-HEX [LIMIT=N ...] (at least 3 fields), but"
            + " had 2",
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
  void limitTokens_areTheKeysOwnLimits_andRoundTrip() {
    String hash = "a".repeat(64);

    ApiKey key =
        ApiKeysFile.parse(
                "reader read " + hash + " rps=50 items=2000 burst=100 concurrency=16", "f")
            .get(0);

    assertEquals(
        Map.of(
            LimitSetting.RPS, 50,
            LimitSetting.ITEMS, 2000,
            LimitSetting.BURST, 100,
            LimitSetting.CONCURRENCY, 16),
        key.limits());
    assertEquals("reader read " + hash + " rps=50 burst=100 items=2000 concurrency=16", key.line());
    assertEquals(List.of(key), ApiKeysFile.parse(key.line(), "f"));
    assertEquals(
        new KeyLimits(50, 100, 2000, 7, 16),
        new KeyLimits(1, 1, 1, 7, 1).withOverrides(key.limits()));
  }

  @Test
  void badLimitTokens_nameTheLineAndTheRule() {
    String line = "reader read " + "a".repeat(64) + " ";
    assertEquals(
        "keys:1: unknown limit qps: a limit is rps=N, burst=N, items=N, item-burst=N or"
            + " concurrency=N",
        parseError(line + "qps=5"));
    assertEquals(
        "keys:1: a limit is NAME=N (rps, burst, items, item-burst, concurrency), but was 50",
        parseError(line + "50"));
    assertEquals(
        "keys:1: rps must be a whole number (0: unlimited), but was -5",
        parseError(line + "rps=-5"));
    assertEquals(
        "keys:1: concurrency must be a whole number (0: unlimited), but was many",
        parseError(line + "concurrency=many"));
    assertEquals(
        "keys:1: items must be in 0..1000000 (0: unlimited), but was 2000000",
        parseError(line + "items=2000000"));
    assertEquals("keys:1: rps appears twice", parseError(line + "rps=5 rps=6"));
  }

  @Test
  void reload_withABadLimit_keepsTheOldKeys() throws Exception {
    Path file = dir.resolve("keys");
    String secret = ApiKey.newSecret();
    ApiKey limited =
        new ApiKey("k", ApiKey.hash(secret), Permission.READ, Map.of(LimitSetting.RPS, 5));
    Files.writeString(file, limited.line() + "\n");
    ApiKeysReloader reloader = ApiKeysReloader.load(file);

    Files.writeString(file, limited.line() + " burst=lots\n");

    assertFalse(reloader.reloadIfChanged());
    assertEquals(limited, reloader.keys().authenticate(secret).orElseThrow());
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
