package io.mmserve.images;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An image's entrypoint started as a container runtime would start it, without one: inside the
 * image's own root file system (its layers unpacked into a folder), with only the image's
 * environment, in its working directory, as its user, and as PID 1 of a new PID namespace with a
 * fresh /proc and the host's /dev (both mounted in a private mount namespace, so nothing leaks to
 * the host). The network is the host's: the service's ports are loopback-reachable. Needs root
 * (util-linux unshare does the mounts, the chroot and the switch to the image's user).
 *
 * <p>The caller stops it with {@link #terminate} and closes it, which kills whatever still runs.
 */
final class RootfsProcess implements AutoCloseable {
  /** Mounts /proc and /dev under the root given as $1, then execs the rest of the arguments. */
  private static final String MOUNT_AND_EXEC =
      "root=\"$1\"; shift; mount --make-rprivate / && mount -t proc proc \"$root/proc\""
          + " && mount --rbind /dev \"$root/dev\" && exec \"$@\"";

  private final Process process;
  private final Path log;

  private RootfsProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts the image's Entrypoint plus {@code args} (as a pod's {@code args} would add them).
   *
   * @param runConfig the image config's "config" part (User, Env, WorkingDir, Entrypoint)
   * @param log where the process's output goes
   */
  static RootfsProcess start(Path rootfs, JsonObject runConfig, List<String> args, Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    for (JsonElement part : runConfig.getAsJsonArray("Entrypoint")) {
      command.add(part.getAsString());
    }
    command.addAll(args);
    return run(rootfs, runConfig, command, log);
  }

  /**
   * Starts {@code command} in place of the image's Entrypoint (as a pod's {@code command} would),
   * with the image's user, environment and working directory.
   */
  static RootfsProcess run(Path rootfs, JsonObject runConfig, List<String> command, Path log)
      throws IOException {
    String[] user = runConfig.get("User").getAsString().split(":");
    List<String> full =
        new ArrayList<>(
            List.of(
                "unshare",
                "--mount",
                "--pid",
                "--fork",
                "--kill-child",
                "--",
                "sh",
                "-c",
                MOUNT_AND_EXEC,
                "sh",
                rootfs.toString(),
                "env",
                "-i"));
    for (JsonElement variable : runConfig.getAsJsonArray("Env")) {
      full.add(variable.getAsString());
    }
    full.addAll(
        List.of(
            "unshare",
            "--root=" + rootfs,
            "--wd=" + runConfig.get("WorkingDir").getAsString(),
            "--setuid=" + user[0],
            "--setgid=" + (user.length > 1 ? user[1] : user[0]),
            "--"));
    full.addAll(command);
    Files.createDirectories(log.getParent());
    Process process =
        new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new RootfsProcess(process, log);
  }

  Process process() {
    return process;
  }

  /**
   * The entrypoint's process as the host sees it (the forked child of unshare, which execs into the
   * image's java), once it has exec'd.
   */
  Optional<ProcessHandle> javaProcess() {
    return process
        .descendants()
        .filter(handle -> "java".equals(statusField(handle.pid(), "Name")))
        .findFirst();
  }

  /** A line of /proc/PID/status without its key: "65532\t65532\t65532\t65532" for "Uid". */
  static String statusField(long pid, String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(key + ":")) {
          return line.substring(key.length() + 1).strip();
        }
      }
      return null;
    } catch (IOException e) {
      return null; // the process has gone
    }
  }

  /** Everything the process has written so far. */
  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Sends SIGTERM to the entrypoint's process, as a kubelet stops a container (unshare itself
   * ignores SIGTERM while it waits for its child), and waits for the whole tree to exit.
   *
   * @return the entrypoint's exit status
   * @throws IllegalStateException with the output, if it still runs after a minute
   */
  int terminate() throws InterruptedException {
    javaProcess().ifPresent(ProcessHandle::destroy);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("still running a minute after SIGTERM:\n" + logText());
    }
    return process.exitValue();
  }

  /** Kills whatever still runs of the process tree, and waits for it. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor();
    }
  }
}
