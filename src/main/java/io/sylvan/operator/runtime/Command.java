package io.sylvan.operator.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * One external program invocation: an argv array (never a shell command line), its working
 * directory, environment changes, a timeout, the {@link Redactor} for anything that is logged or
 * returned, and an optional listener that receives each (redacted) output line as it arrives.
 *
 * @param argv program and arguments; {@code argv[0]} is looked up on the PATH when it has no slash
 * @param workingDir working directory, or {@code null} for the operator's own
 * @param extraEnv variables added to (or replacing those in) the inherited environment
 * @param envToRemove variables removed from the inherited environment
 * @param timeout after this the whole process tree is killed
 * @param redactor applied to output, listener lines and {@link #commandLine()}
 * @param lineListener receives each output line, already redacted; may be {@code null}
 */
public record Command(
    List<String> argv,
    Path workingDir,
    Map<String, String> extraEnv,
    Set<String> envToRemove,
    Duration timeout,
    Redactor redactor,
    Consumer<String> lineListener) {

  /** Used when a caller sets no timeout: long enough for a cold build, short enough to notice. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  public Command {
    Objects.requireNonNull(argv, "argv");
    if (argv.isEmpty() || argv.get(0) == null || argv.get(0).isBlank()) {
      throw new IllegalArgumentException("argv must name a program");
    }
    argv = List.copyOf(argv);
    extraEnv = extraEnv == null ? Map.of() : Map.copyOf(extraEnv);
    envToRemove = envToRemove == null ? Set.of() : Set.copyOf(envToRemove);
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    redactor = redactor == null ? Redactor.PATTERNS_ONLY : redactor;
  }

  /** Starts a builder for {@code argv}. */
  public static Builder builder(String... argv) {
    return new Builder(List.of(argv));
  }

  /** Starts a builder for {@code argv}. */
  public static Builder builder(List<String> argv) {
    return new Builder(argv);
  }

  /** The program name, {@code argv[0]}. */
  public String program() {
    return argv.get(0);
  }

  /** {@code text} through this command's {@link Redactor}. */
  public String redact(String text) {
    return redactor.redact(text);
  }

  /**
   * The command as a POSIX-shell-quoted line for logs, with secrets redacted. It is for people to
   * read; the command itself never goes through a shell.
   */
  public String commandLine() {
    return argv.stream().map(a -> quote(redact(a))).collect(Collectors.joining(" "));
  }

  static String quote(String arg) {
    return ShellQuote.quote(arg);
  }

  /** Fluent construction of a {@link Command}. */
  public static final class Builder {
    private final List<String> argv;
    private Path workingDir;
    private final Map<String, String> extraEnv = new LinkedHashMap<>();
    private final Set<String> envToRemove = new LinkedHashSet<>();
    private Duration timeout = DEFAULT_TIMEOUT;
    private final List<String> secrets = new ArrayList<>();
    private Redactor redactor = Redactor.PATTERNS_ONLY;
    private Consumer<String> lineListener;

    private Builder(List<String> argv) {
      this.argv = new ArrayList<>(argv);
    }

    public Builder args(String... more) {
      argv.addAll(List.of(more));
      return this;
    }

    public Builder args(Collection<String> more) {
      argv.addAll(more);
      return this;
    }

    public Builder workingDir(Path dir) {
      this.workingDir = dir;
      return this;
    }

    public Builder env(String name, String value) {
      extraEnv.put(name, value);
      envToRemove.remove(name);
      return this;
    }

    public Builder env(Map<String, String> env) {
      env.forEach(this::env);
      return this;
    }

    public Builder removeEnv(String... names) {
      for (String name : names) {
        envToRemove.add(name);
        extraEnv.remove(name);
      }
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder secret(String value) {
      secrets.add(value);
      return this;
    }

    public Builder secrets(Collection<String> values) {
      secrets.addAll(values);
      return this;
    }

    /** The redactor to start from (e.g. the environment's); {@link #secret}s are added to it. */
    public Builder redactor(Redactor redactor) {
      this.redactor = redactor;
      return this;
    }

    public Builder onLine(Consumer<String> listener) {
      this.lineListener = listener;
      return this;
    }

    public Command build() {
      return new Command(
          argv, workingDir, extraEnv, envToRemove, timeout, redactor.with(secrets), lineListener);
    }
  }
}
