package io.sylvan.operator.pipeline;

/**
 * A step failed. {@code code} is a stable machine-readable cause (the seed's {@code
 * DeploymentError.code}), e.g. {@code MISSING_ENV}, {@code BUILD_FAILED}, {@code HEALTH_CHECK}.
 */
public class StepFailure extends Exception {

  private final String code;
  private final String output;

  public StepFailure(String code, String message) {
    this(code, message, null);
  }

  public StepFailure(String code, String message, String output) {
    super(message);
    this.code = code;
    this.output = output;
  }

  public String code() {
    return code;
  }

  /** Command output that explains the failure, already redacted; may be null. */
  public String output() {
    return output;
  }
}
