package io.mmserve.kit.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certificate and key for a server that is not grpc-java's: the material applied last, a new
 * instance exactly when new files were applied (the test calls the poll itself).
 */
class ServerIdentityTest {
  @TempDir Path dir;
  private TestPki pki;
  private TestPki.Identity first;
  private ScheduledExecutorService poller;
  private ServerIdentity identity;

  @BeforeEach
  void start() {
    pki = new TestPki(dir, Clock.systemUTC(), "test");
    first = pki.issue("server", TestPki.LOOPBACK);
    poller = Executors.newSingleThreadScheduledExecutor();
    identity =
        ServerIdentity.start(
            new ServerTlsSettings(
                first.certFile(), first.keyFile(), Optional.empty(), Duration.ofHours(1)),
            poller);
  }

  @AfterEach
  void stop() {
    identity.close();
    poller.shutdownNow();
  }

  @Test
  void current_isThePairOfTheFiles_andStaysTheSameInstanceWhileTheyDoNotChange() {
    ServerIdentity.Material loaded = identity.current();

    assertEquals(first.issued().certificate(), loaded.chain().get(0));
    assertEquals(first.issued().key(), loaded.key());
    assertFalse(identity.reloadIfChanged());
    assertSame(loaded, identity.current());
  }

  @Test
  void newFiles_giveANewPair() {
    ServerIdentity.Material before = identity.current();
    TestPki.Identity second = pki.issue("server", TestPki.LOOPBACK);

    assertTrue(identity.reloadIfChanged());
    assertNotSame(before, identity.current());
    assertEquals(second.issued().certificate(), identity.current().chain().get(0));
  }

  @Test
  void aBrokenKeyFile_keepsThePairAppliedBefore() throws Exception {
    ServerIdentity.Material before = identity.current();
    Files.writeString(first.keyFile(), "not a key");

    assertFalse(identity.reloadIfChanged());
    assertSame(before, identity.current());
  }
}
