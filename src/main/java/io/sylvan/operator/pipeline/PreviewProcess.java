package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.IdlePriority;
import io.sylvan.operator.runtime.InheritedEnv;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A release started outside PM2 for the pre-traffic gate, in a process group of its own. Closing it
 * kills the whole group; its pid, start time and release are written to {@code
 * <root>/run/preview.pid} while it runs, so an operator that died meanwhile stops it at its next
 * start ({@link #stopLeftover}).
 */
public final class PreviewProcess implements AutoCloseable {

  static final int TAIL_LINES = 40;

  private final Process process;
  private final Path pidFile;
  private final Deque<String> tail = new ArrayDeque<>();

  private PreviewProcess(Process process, Path pidFile) {
    this.process = process;
    this.pidFile = pidFile;
  }

  /** The pid file of the preview of the environment at {@code root}. */
  public static Path pidFile(Path root) {
    return root.resolve("run").resolve("preview.pid");
  }

  /**
   * Starts {@code argv} in {@code release} with {@code env} added to the operator's environment
   * (its secrets removed); each output line goes to {@code onLine}.
   */
  static PreviewProcess start(
      List<String> argv, Path release, Map<String, String> env, Path root, Consumer<String> onLine)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(argv).directory(release.toFile());
    pb.redirectErrorStream(true);
    Map<String, String> e = pb.environment();
    for (String k : InheritedEnv.toDrop()) {
      e.remove(k);
    }
    e.putAll(env);
    Path pidFile = pidFile(root);
    Files.createDirectories(pidFile.getParent());
    Process p = pb.start();
    PreviewProcess preview = new PreviewProcess(p, pidFile);
    try {
      Files.writeString(
          pidFile,
          p.pid() + " " + startTime(p.pid()).orElse("?") + "\n" + release.toRealPath() + "\n");
    } catch (IOException ex) {
      preview.close();
      throw ex;
    }
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  preview.remember(line);
                  onLine.accept(line);
                }
              } catch (IOException ignored) {
                // the process was killed
              }
            },
            "preview-output-" + p.pid());
    reader.setDaemon(true);
    reader.start();
    return preview;
  }

  public long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** The exit code, once it exited. */
  Optional<Integer> exitCode() {
    return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
  }

  /** The last lines it printed, unredacted (the caller redacts). */
  synchronized String tail() {
    return String.join("\n", tail);
  }

  private synchronized void remember(String line) {
    tail.addLast(line);
    if (tail.size() > TAIL_LINES) {
      tail.removeFirst();
    }
  }

  /** Kills the process group (and any descendant that left it) and removes the pid file. */
  @Override
  public void close() {
    long pid = process.pid();
    List<ProcessHandle> descendants = process.descendants().toList();
    killGroup(pid);
    descendants.forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException ignored) {
      // stopLeftover finds the process gone and removes it next time
    }
  }

  /**
   * Stops the preview a dead operator left running for the environment at {@code root}: only when
   * the pid in the pid file is still the process it started (same start time, working directory the
   * release named there). Returns what it did, or empty when there was nothing to stop.
   */
  public static Optional<String> stopLeftover(Path root) {
    Path file = pidFile(root);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      List<String> lines = Files.readAllLines(file);
      Files.deleteIfExists(file);
      String[] first = lines.isEmpty() ? new String[0] : lines.get(0).trim().split(" ");
      if (first.length < 2 || lines.size() < 2) {
        return Optional.of("removed an unreadable preview pid file");
      }
      long pid = Long.parseLong(first[0]);
      Path release = Path.of(lines.get(1).trim());
      boolean ours =
          startTime(pid).map(first[1]::equals).orElse(false)
              && cwd(pid).map(release::equals).orElse(false);
      if (!ours) {
        return Optional.of("the preview " + pid + " of the pid file no longer runs");
      }
      killGroup(pid);
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      return Optional.of("stopped the leftover preview " + pid + " of " + release.getFileName());
    } catch (IOException | RuntimeException e) {
      return Optional.of("could not read " + file + ": " + e.getMessage());
    }
  }

  private static void killGroup(long pgid) {
    try {
      Process k =
          new ProcessBuilder(IdlePriority.killGroup(pgid))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      k.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      // no kill(1): the process itself is destroyed by the caller
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Field 22 of {@code /proc/<pid>/stat}: the start time in clock ticks since boot. */
  static Optional<String> startTime(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // the command name (field 2) may hold spaces: count from the closing parenthesis
      String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Optional.of(rest[19]);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<Path> cwd(long pid) {
    try {
      return Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
