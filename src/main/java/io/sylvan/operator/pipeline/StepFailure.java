package io.sylvan.operator.pipeline;

/** A step failed, with the {@link FailureCode} that classifies it where it is raised. */
public class StepFailure extends Exception {

  private final FailureCode code;
  private final String output;

  public StepFailure(FailureCode code, String message) {
    this(code, message, null);
  }

  public StepFailure(FailureCode code, String message, String output) {
    super(message);
    this.code = code;
    this.output = output;
  }

  public FailureCode code() {
    return code;
  }

  /** Command output that explains the failure, already redacted; may be null. */
  public String output() {
    return output;
  }
}
