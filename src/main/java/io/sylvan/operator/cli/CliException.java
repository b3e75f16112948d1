package io.sylvan.operator.cli;

/** A failure the CLI reports as one line on stderr with its own exit code. */
public class CliException extends RuntimeException {

  /** A request the operator answered with 4xx/5xx, or a spec folder with errors. */
  public static final int FAILED = 1;

  /** The operator could not be reached. */
  public static final int UNREACHABLE = 2;

  /** The operator refused the token. */
  public static final int UNAUTHORIZED = 3;

  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
