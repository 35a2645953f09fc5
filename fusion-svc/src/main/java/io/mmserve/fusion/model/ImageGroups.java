package io.mmserve.fusion.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An order of the pairs in which pairs with identical patch features (the same image matched
 * against several texts) are adjacent, so the image's keys and values are projected once.
 *
 * @param order pair indices, those of one image together, first-seen image first
 * @param startsImage {@code startsImage[p]} is true when {@code order[p]} is the first pair of its
 *     image
 */
record ImageGroups(int[] order, boolean[] startsImage) {
  /** Groups the {@code pairs} rows of {@code stride} floats of {@code patches}. */
  static ImageGroups of(float[] patches, int pairs, int stride) {
    int[] group = new int[pairs];
    List<Integer> firstPairOfGroup = new ArrayList<>();
    Map<Integer, List<Integer>> groupsByHash = new HashMap<>();
    for (int n = 0; n < pairs; n++) {
      int from = n * stride;
      int hash = hash(patches, from, stride);
      List<Integer> candidates = groupsByHash.computeIfAbsent(hash, h -> new ArrayList<>(1));
      int found = -1;
      for (int g : candidates) {
        int other = firstPairOfGroup.get(g) * stride;
        if (Arrays.equals(patches, other, other + stride, patches, from, from + stride)) {
          found = g;
          break;
        }
      }
      if (found < 0) {
        found = firstPairOfGroup.size();
        firstPairOfGroup.add(n);
        candidates.add(found);
      }
      group[n] = found;
    }
    int groups = firstPairOfGroup.size();
    int[] starts = new int[groups + 1];
    for (int g : group) {
      starts[g + 1]++;
    }
    for (int g = 0; g < groups; g++) {
      starts[g + 1] += starts[g];
    }
    int[] order = new int[pairs];
    boolean[] startsImage = new boolean[pairs];
    int[] next = Arrays.copyOf(starts, groups);
    for (int g = 0; g < groups; g++) {
      startsImage[starts[g]] = true;
    }
    for (int n = 0; n < pairs; n++) {
      order[next[group[n]]++] = n;
    }
    return new ImageGroups(order, startsImage);
  }

  private static int hash(float[] values, int from, int length) {
    int h = 1;
    for (int i = from; i < from + length; i++) {
      h = 31 * h + Float.floatToIntBits(values[i]);
    }
    return h;
  }
}
