package io.mmserve.vision.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.kit.errors.OverloadedException;
import org.junit.jupiter.api.Test;

class AdmittedImagesTest {
  private final AdmittedImages admitted = new AdmittedImages("vision-encoder", 4);

  @Test
  void admit_pastTheLimit_isRefusedNamingTheNumbers() {
    admitted.admit(3);

    OverloadedException e = assertThrows(OverloadedException.class, () -> admitted.admit(2));

    assertEquals(
        "vision-encoder is overloaded: 3 images already inside, a request of 2 images does not fit"
            + " (limit 4 images)",
        e.getMessage());
    assertEquals(3, admitted.inside());
  }

  @Test
  void admit_whenEmpty_takesARequestLargerThanTheLimit() {
    Runnable leave = admitted.admit(9);

    assertEquals(9, admitted.inside());
    leave.run();
    assertEquals(0, admitted.inside());
  }

  @Test
  void leaving_makesRoomForTheNextRequest() {
    Runnable leave = admitted.admit(4);
    leave.run();

    admitted.admit(4);

    assertEquals(4, admitted.inside());
  }
}
