package io.sylvan.operator.runtime;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * {@link CommandRunner} on {@link ProcessBuilder}. stdout and stderr are merged and read by a
 * dedicated thread, so a chatty process never blocks on a full pipe; only the last {@link
 * #MAX_OUTPUT_CHARS} characters are kept. stdin is {@code /dev/null}, so a program that prompts
 * (git asking for a password) gets end-of-file instead of hanging until its timeout.
 */
public class ProcessCommandRunner implements CommandRunner {

  private static final Logger LOG = Logger.getLogger(ProcessCommandRunner.class);

  /** About 1 MiB of text: enough for any build log tail, bounded for a runaway process. */
  public static final int MAX_OUTPUT_CHARS = 1 << 20;

  /** A line longer than this (minified JS, progress bars without newline) is cut into pieces. */
  static final int MAX_LINE_CHARS = 64 * 1024;

  /**
   * How long to wait for the output reader once the process has exited. A background child (a
   * daemon it spawned) may keep the pipe open forever; what the process itself wrote is at most one
   * pipe buffer and is read in milliseconds.
   */
  private static final Duration READER_GRACE = Duration.ofSeconds(2);

  private static final File DEV_NULL = new File("/dev/null");

  @Override
  public CommandResult run(Command command) {
    ProcessBuilder builder = new ProcessBuilder(command.argv()).redirectErrorStream(true);
    if (DEV_NULL.exists()) {
      builder.redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
    }
    if (command.workingDir() != null) {
      // Java reports a missing directory as "No such file or directory" for the program.
      if (!Files.isDirectory(command.workingDir())) {
        throw new CommandException(
            "cannot run "
                + command.program()
                + ": working directory "
                + command.workingDir()
                + " does not exist");
      }
      builder.directory(command.workingDir().toFile());
    }
    Map<String, String> env = builder.environment();
    command.envToRemove().forEach(env::remove);
    env.putAll(command.extraEnv());

    long started = System.nanoTime();
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new CommandException(
          "cannot run " + command.program() + ": " + startFailureReason(command, e), e);
    }
    OutputCollector collector = new OutputCollector(command, process.getInputStream());
    Thread reader = new Thread(collector, "cmd-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();

    boolean timedOut;
    try {
      timedOut = !process.waitFor(command.timeout().toNanos(), TimeUnit.NANOSECONDS);
      if (timedOut) {
        killTree(process);
        process.waitFor(5, TimeUnit.SECONDS);
      }
      reader.join(READER_GRACE.toMillis());
    } catch (InterruptedException e) {
      killTree(process);
      Thread.currentThread().interrupt();
      throw new CommandException("interrupted while running " + command.program(), e);
    }
    Duration duration = Duration.ofNanos(System.nanoTime() - started);
    int exitCode = process.isAlive() ? -1 : process.exitValue();
    if (timedOut) {
      LOG.warnf("%s timed out after %s; killed its process tree", command.commandLine(), duration);
    }
    return new CommandResult(
        command.commandLine(), exitCode, collector.output(), duration, timedOut);
  }

  private static String startFailureReason(Command command, IOException e) {
    String message = String.valueOf(e.getMessage());
    String lower = message.toLowerCase(Locale.ROOT);
    if (lower.contains("error=2,") || lower.contains("no such file")) {
      return command.program().contains("/") ? "file not found" : "not found on PATH";
    }
    if (lower.contains("error=13,") || lower.contains("permission denied")) {
      return "not executable (permission denied)";
    }
    return command.redact(message);
  }

  /**
   * Kills descendants first: once the parent is dead its children are re-parented and no longer
   * reachable through it. The snapshot is taken before anything is killed for the same reason.
   */
  static void killTree(Process process) {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
  }

  /** Reads merged output line by line, redacts, forwards to the listener, keeps a bounded tail. */
  private static final class OutputCollector implements Runnable {
    private final Command command;
    private final InputStream in;
    private final Consumer<String> listener;
    private final StringBuilder kept = new StringBuilder();
    private long droppedChars;

    OutputCollector(Command command, InputStream in) {
      this.command = command;
      this.in = in;
      this.listener = command.lineListener();
    }

    @Override
    public void run() {
      try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        char[] buffer = new char[8192];
        StringBuilder line = new StringBuilder();
        int n;
        while ((n = reader.read(buffer)) >= 0) {
          for (int i = 0; i < n; i++) {
            char c = buffer[i];
            if (c == '\n') {
              emit(line, true);
            } else {
              line.append(c);
              if (line.length() >= MAX_LINE_CHARS) {
                emit(line, false);
              }
            }
          }
        }
        if (line.length() > 0) {
          emit(line, false);
        }
      } catch (IOException e) {
        // The stream is closed when the process is killed; what was read so far is kept.
        LOG.debugf("output of %s ended: %s", command.program(), e.getMessage());
      }
    }

    private void emit(StringBuilder line, boolean newline) {
      int end = line.length();
      if (newline && end > 0 && line.charAt(end - 1) == '\r') {
        end--;
      }
      String text = command.redact(line.substring(0, end));
      line.setLength(0);
      if (listener != null) {
        try {
          listener.accept(text);
        } catch (RuntimeException e) {
          LOG.debugf(e, "line listener of %s failed", command.program());
        }
      }
      synchronized (this) {
        kept.append(text);
        if (newline) {
          kept.append('\n');
        }
        // Trim in large steps so appending stays amortised O(1).
        if (kept.length() > 2 * MAX_OUTPUT_CHARS) {
          int drop = kept.length() - MAX_OUTPUT_CHARS;
          kept.delete(0, drop);
          droppedChars += drop;
        }
      }
    }

    synchronized String output() {
      int excess = Math.max(0, kept.length() - MAX_OUTPUT_CHARS);
      String text = kept.substring(excess);
      long dropped = droppedChars + excess;
      return dropped == 0 ? text : "[... " + dropped + " characters dropped ...]\n" + text;
    }
  }
}
