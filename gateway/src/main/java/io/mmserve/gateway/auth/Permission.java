package io.mmserve.gateway.auth;

import java.util.Locale;
import java.util.Set;

/** What an API key may call on {@code mmserve.v1.Multimodal}. */
public enum Permission {
  /**
   * Everything that reads: the embeddings, Classify, Rank, Match, Score, Search, ListCollections.
   */
  READ(
      Set.of(
          "EmbedText",
          "EmbedImage",
          "Classify",
          "Rank",
          "Match",
          "Score",
          "Search",
          "ListCollections")),
  /** {@link #READ} and the calls that change the gallery: Upsert, Delete. */
  WRITE(
      Set.of(
          "EmbedText",
          "EmbedImage",
          "Classify",
          "Rank",
          "Match",
          "Score",
          "Search",
          "ListCollections",
          "Upsert",
          "Delete"));

  private final Set<String> methods;

  Permission(Set<String> methods) {
    this.methods = methods;
  }

  /** True if this permission allows the method {@code Service/Method} (by its method name). */
  public boolean allows(String fullMethodName) {
    return methods.contains(fullMethodName.substring(fullMethodName.lastIndexOf('/') + 1));
  }

  /** {@code read} or {@code write}, as in the keys file. */
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The permission named {@code word}.
   *
   * @throws IllegalArgumentException naming the word and the allowed ones
   */
  public static Permission of(String word) {
    for (Permission p : values()) {
      if (p.word().equals(word)) {
        return p;
      }
    }
    throw new IllegalArgumentException("permission must be read or write, but was " + word);
  }
}
