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
import org.jboss.logging.Logger;

/**
 * The seed's deployment log: {@code [2024-11-14 14:30:22] [INFO] ...} and {@code [STEP] ...
 * (duration: 1.2s)} lines in {@code <root>/logs/deployments/deploy_<ts>.log}; every line passes the
 * run's {@link Redactor} before it is written (to the file and to the operator's log).
 */
public final class DeploymentLog implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(DeploymentLog.class);
  private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private final Path file;
  private final BufferedWriter out;
  private final String environment;
  private volatile Redactor redactor = Redactor.PATTERNS_ONLY;

  public DeploymentLog(Path file, String environment) {
    this.file = file;
    this.environment = environment;
    try {
      Files.createDirectories(file.getParent());
      this.out =
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the deploy log " + file, e);
    }
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
    synchronized (out) {
      try {
        out.write("    ");
        out.write(redacted(line));
        out.newLine();
        out.flush();
      } catch (IOException e) {
        LOG.warnf("deploy log write failed: %s", e.getMessage());
      }
    }
  }

  static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }

  private void write(String level, String message) {
    synchronized (out) {
      try {
        out.write("[" + LocalDateTime.now().format(TS) + "] [" + level + "] " + redacted(message));
        out.newLine();
        out.flush();
      } catch (IOException e) {
        LOG.warnf("deploy log write failed: %s", e.getMessage());
      }
    }
  }

  @Override
  public void close() {
    synchronized (out) {
      try {
        out.close();
      } catch (IOException e) {
        LOG.debug("closing deploy log", e);
      }
    }
  }
}
