package io.mmserve.rollout;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.config.ConfigLoader;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the rollout controller alone, until SIGTERM: {@code java -cp ... io.mmserve.rollout.Main
 * --rollout.namespace=ns --rollout.prometheus.url=http://...}. Settings as every mmserve service
 * reads them (defaults, {@code --config} file, {@code MMSERVE_*} variables, flags). In a cluster
 * the gateway runs the controller instead (docs/architecture.md#decisions); this is for a separate
 * Deployment and for tests that kill a controller process.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    RolloutSettings settings;
    try {
      Map<String, String> defaults = new HashMap<>(RolloutSettings.DEFAULTS);
      defaults.put(RolloutSettings.ENABLED, "true");
      defaults.put(RolloutSettings.CONTROLLER_ENABLED, "true");
      Config config = ConfigLoader.load(defaults, args, System.getenv());
      settings = RolloutSettings.from(config);
    } catch (ConfigException e) {
      System.err.println("rollout controller: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.out.println("rollout controller: " + settings);
    RolloutController controller = Rollouts.controller(settings);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    controller.close();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } finally {
                    stopped.countDown();
                  }
                },
                "mmserve-rollout-shutdown"));
    controller.start();
    stopped.await();
  }
}
