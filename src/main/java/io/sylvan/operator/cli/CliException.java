package io.sylvan.operator.cli;

/** A failure the CLI reports as one line on stderr with its own exit code. */
public class CliException extends RuntimeException {

  /** A request the operator answered with 4xx/5xx, or a spec folder with errors. */
  public static final int FAILED = 1;

  /** The operator could not be reached. */
  public static final int UNREACHABLE = 2;

  /** The operator refused the token. */
  public static final int UNAUTHORIZED = 3;

  /** {@code --wait}: the deployment failed (halted, or failed with nothing to roll back to). */
  public static final int DEPLOYMENT_FAILED = 4;

  /** {@code --wait}: the deployment failed and was rolled back: the previous release serves. */
  public static final int ROLLED_BACK = 5;

  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
