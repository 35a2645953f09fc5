package io.mmserve.vision.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.kit.errors.OverloadedException;
import org.junit.jupiter.api.Test;

class AdmittedImagesTest {
  private final AdmittedImages admitted = new AdmittedImages("vision-encoder", 4, 1000);

  @Test
  void admit_pastTheImageLimit_isRefusedNamingTheNumbers() {
    admitted.admit(3, 30);

    OverloadedException e = assertThrows(OverloadedException.class, () -> admitted.admit(2, 20));

    assertEquals(
        "vision-encoder is overloaded: 3 images (30 bytes) already inside, a request of 2 images"
            + " (20 bytes) does not fit (limit 4 images, 1000 bytes)",
        e.getMessage());
    assertEquals(3, admitted.inside());
  }

  @Test
  void admit_pastTheByteLimit_isRefusedAndCountsNothing() {
    admitted.admit(1, 900);

    OverloadedException e = assertThrows(OverloadedException.class, () -> admitted.admit(1, 101));

    assertEquals(
        "vision-encoder is overloaded: 1 images (900 bytes) already inside, a request of 1 images"
            + " (101 bytes) does not fit (limit 4 images, 1000 bytes)",
        e.getMessage());
    assertEquals(1, admitted.inside());
    assertEquals(900, admitted.insideBytes());
    admitted.admit(1, 100); // exactly at the limit fits
    assertEquals(1000, admitted.insideBytes());
  }

  @Test
  void admit_whenEmpty_takesARequestLargerThanEitherLimit() {
    Runnable leave = admitted.admit(9, 5000);

    assertEquals(9, admitted.inside());
    assertEquals(5000, admitted.insideBytes());
    leave.run();
    assertEquals(0, admitted.inside());
    assertEquals(0, admitted.insideBytes());
  }

  @Test
  void leaving_makesRoomForTheNextRequest() {
    Runnable leave = admitted.admit(4, 1000);
    leave.run();

    admitted.admit(4, 1000);

    assertEquals(4, admitted.inside());
  }
}
