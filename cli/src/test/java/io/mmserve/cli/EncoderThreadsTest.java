package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EncoderThreadsTest {

  @Test
  void split_twoCoresOneReplicaEach_givesEachTowerOneThread() {
    assertEquals(new EncoderThreads(1, 1, 1), EncoderThreads.split(2, 1, 1));
  }

  @Test
  void split_eightCoresOneReplicaEach_givesEachTowerHalf() {
    assertEquals(new EncoderThreads(4, 4, 4), EncoderThreads.split(8, 1, 1));
  }

  @Test
  void split_coresLeftOverByTheTextReplicas_goToVision() {
    assertEquals(new EncoderThreads(1, 2, 2), EncoderThreads.split(4, 2, 1));
    assertEquals(new EncoderThreads(3, 4, 4), EncoderThreads.split(7, 1, 1));
  }

  @Test
  void split_intraOpThreadsOfAllReplicasNeverExceedTheCores() {
    for (int cores = 1; cores <= 96; cores++) {
      for (int text = 1; text <= UpOptions.MAX_REPLICAS; text++) {
        for (int vision = 1; vision <= UpOptions.MAX_REPLICAS; vision++) {
          EncoderThreads t = EncoderThreads.split(cores, text, vision);
          int used = t.textIntraOp() * text + t.visionIntraOp() * vision;
          int allowed = Math.max(cores, text + vision); // one thread each at least
          assertTrue(used <= allowed, cores + " cores, " + text + "+" + vision + ": " + t);
        }
      }
    }
  }

  @Test
  void split_noCores_isRefusedShowingTheValues() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> EncoderThreads.split(0, 1, 2));

    assertEquals(
        "cores and replicas must be at least 1, but were 0 cores, 1 text and 2 vision replicas",
        e.getMessage());
  }

  @Test
  void flags_nameTheEncodersSettings() {
    EncoderThreads t = new EncoderThreads(2, 3, 3);

    assertEquals(List.of("--onnxruntime.intra-op-threads=2"), t.textFlags());
    assertEquals(
        List.of("--onnxruntime.intra-op-threads=3", "--preprocess.threads=3"), t.visionFlags());
  }
}
