package io.mmserve.text.tokenizer;

import java.nio.file.Path;
import java.util.Map;

/**
 * Makes DJL load the tokenizers native library offline. The library ships inside the tokenizers jar
 * (linux-x86_64, linux-aarch64, osx-aarch64, win-x86_64, CPU); DJL copies it into a cache folder on
 * first use. In offline mode DJL picks the jar's CPU build and never downloads, and it skips its
 * usage ping.
 *
 * <p>These are JVM-wide system properties read once, when the first tokenizer loads: call {@link
 * #configure} from {@code main} before that.
 */
public final class DjlNatives {
  /** DJL's offline switch. */
  public static final String OFFLINE_PROPERTY = "ai.djl.offline";

  /** Where DJL keeps engine natives (environment variable or system property). */
  public static final String ENGINE_CACHE_DIR = "ENGINE_CACHE_DIR";

  /** DJL's cache folder (environment variable or system property), used when the above is unset. */
  public static final String DJL_CACHE_DIR = "DJL_CACHE_DIR";

  private DjlNatives() {}

  /**
   * Sets offline mode, and the native cache folder to {@code cacheDir} unless the environment or
   * the JVM already names one with {@value #ENGINE_CACHE_DIR} or {@value #DJL_CACHE_DIR}.
   *
   * @param env the environment, usually {@code System.getenv()}
   * @return the folder DJL extracts the library under (in {@code tokenizers/<version>-cpu-<os>})
   */
  public static Path configure(Path cacheDir, Map<String, String> env) {
    System.setProperty(OFFLINE_PROPERTY, "true");
    Path chosen = cacheDirFor(cacheDir, env, System.getProperties());
    System.setProperty(ENGINE_CACHE_DIR, chosen.toString());
    return chosen;
  }

  /** The folder DJL's own lookup would use, with {@code fallback} in place of ~/.djl.ai. */
  static Path cacheDirFor(Path fallback, Map<String, String> env, Map<Object, Object> properties) {
    String engine = firstSet(env.get(ENGINE_CACHE_DIR), properties.get(ENGINE_CACHE_DIR));
    if (engine != null) {
      return Path.of(engine);
    }
    String root = firstSet(env.get(DJL_CACHE_DIR), properties.get(DJL_CACHE_DIR));
    if (root != null) {
      return Path.of(root);
    }
    return fallback;
  }

  private static String firstSet(String fromEnv, Object fromProperties) {
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv;
    }
    return fromProperties instanceof String s && !s.isEmpty() ? s : null;
  }
}
