package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.Redactor;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The seed's deployment log: {@code [2024-11-14 14:30:22] [INFO] ...} and {@code [STEP] ...
 * (duration: 1.2s)} lines in {@code <root>/logs/deployments/deploy_<ts>.log}; every line passes the
 * run's {@link Redactor} before it is written (to the file and to the operator's log).
 *
 * <p>A file that would grow over {@code sylvan.logs.max-size} is rotated before the next line,
 * under the same lock as the writes: the line goes whole into the fresh file, none is lost or
 * split.
 */
public final class DeploymentLog implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(DeploymentLog.class);
  private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  /** Files of the logs still open, which age pruning leaves alone. */
  private static final Set<Path> OPEN = ConcurrentHashMap.newKeySet();

  private final Path file;
  private final Object lock = new Object();
  private final String environment;
  private final LogFiles.Limits limits;
  private BufferedWriter out;
  private long size;
  private volatile Redactor redactor = Redactor.PATTERNS_ONLY;

  public DeploymentLog(Path file, String environment) {
    this(file, environment, LogFiles.Limits.NONE);
  }

  public DeploymentLog(Path file, String environment, LogFiles.Limits limits) {
    this.file = file;
    this.environment = environment;
    this.limits = limits;
    try {
      Files.createDirectories(file.getParent());
      open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the deploy log " + file, e);
    }
    OPEN.add(file.toAbsolutePath().normalize());
  }

  /** Whether a deploy log is still being written (its deployment runs). */
  static boolean isOpen(Path file) {
    return OPEN.contains(file.toAbsolutePath().normalize());
  }

  private void open() throws IOException {
    out =
        Files.newBufferedWriter(
            file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    size = Files.size(file);
  }

  public Path file() {
    return file;
  }

  /** The run's redactor (operator secrets, env file values); set by {@link DeploymentContext}. */
  void redactor(Redactor redactor) {
    this.redactor = redactor;
  }

  public String redacted(String text) {
    return redactor.redact(text);
  }

  public void info(String message) {
    write("INFO", message);
    LOG.infof("[%s] %s", environment, redacted(message));
  }

  public void warn(String message) {
    write("WARN", message);
    LOG.warnf("[%s] %s", environment, redacted(message));
  }

  public void error(String message) {
    write("ERROR", message);
    LOG.errorf("[%s] %s", environment, redacted(message));
  }

  public void success(String message) {
    write("SUCCESS", message);
    LOG.infof("[%s] %s", environment, redacted(message));
  }

  public void step(String name, Duration duration) {
    String line = String.format(Locale.ROOT, "%s (duration: %s)", name, seconds(duration));
    write("STEP", line);
    LOG.infof("[%s] [STEP] %s", environment, line);
  }

  /** Raw command output, indented under the step that produced it; only in the file. */
  public void output(String line) {
    append("    " + redacted(line));
  }

  static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }

  private void write(String level, String message) {
    append("[" + LocalDateTime.now().format(TS) + "] [" + level + "] " + redacted(message));
  }

  /** One whole line, after rotating the file if the line would take it over the limit. */
  private void append(String line) {
    String text = line + System.lineSeparator();
    long bytes = text.getBytes(StandardCharsets.UTF_8).length;
    synchronized (lock) {
      if (out == null) {
        return;
      }
      try {
        if (size > 0 && size + bytes > limits.maxSizeBytes()) {
          rotate();
        }
        out.write(text);
        out.flush();
        size += bytes;
      } catch (IOException e) {
        LOG.warnf("deploy log write failed: %s", e.getMessage());
      }
    }
  }

  /** Under {@link #lock}. A rotation that fails only warns: the current file continues. */
  private void rotate() throws IOException {
    out.close();
    try {
      LogFiles.rotate(file, limits.keep());
    } catch (IOException e) {
      LOG.warnf("deploy log rotation of %s failed: %s", file, e.getMessage());
    } finally {
      open();
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      OPEN.remove(file.toAbsolutePath().normalize());
      if (out == null) {
        return;
      }
      try {
        out.close();
      } catch (IOException e) {
        LOG.debug("closing deploy log", e);
      }
      out = null;
    }
  }
}
